from process_helpers import World


async def test_world_builds(world: World) -> None:
    plans = (await world.call("GET", "/api/plans", expect=200)).json()["plans"]
    assert [p["id"] for p in plans] == [world.plan_id]
