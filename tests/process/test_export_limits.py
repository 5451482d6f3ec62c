"""Exports the public may download: built once per log position, and a flood of anonymous
downloads from one address refused without limiting anyone else."""

from __future__ import annotations

import asyncio

import httpx
from process_helpers import ADMIN_TOKEN, World, bearer
from starlette.applications import Starlette

from audit.exports.routes import ANONYMOUS_REFUSALS
from process.ratelimit import Limits, RateLimiter


async def download(address: str, path: str, *, token: str | None = None,
                   source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(base_url=f"http://{address}", transport=transport) as http:
        return await http.get(path, headers=bearer(token))


async def builds(address: str) -> float:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        text = (await http.get("/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("kokreasi_export_builds_total "))


async def test_identical_anonymous_exports_at_one_log_position_are_built_once(
    world: World, address: str,
) -> None:
    path = f"/api/exports/{world.plan_id}/opendata.json"
    before = await builds(address)
    together = await asyncio.gather(download(address, path), download(address, path))
    again = await download(address, path)
    assert [r.status_code for r in (*together, again)] == [200] * 3
    assert len({r.content for r in (*together, again)}) == 1
    assert await builds(address) == before + 1
    assert (await download(address, path.replace(".json", ".zip"))).status_code == 200
    assert await builds(address) == before + 2, "another file is another build"
    await world.call("POST", "/api/organisations", json={
        "name": "Lembaga baru", "stakeholder": "cso"}, expect=201)
    assert (await download(address, path)).status_code == 200
    assert await builds(address) == before + 3, "the log moved on"


async def test_a_burst_of_anonymous_exports_from_one_address_gets_429_and_nobody_else(
    world: World, app: Starlette, address: str,
) -> None:
    app.state.export_limiter = RateLimiter(Limits(per_client=2), refusals=ANONYMOUS_REFUSALS)
    path = f"/api/exports/{world.plan_id}/plan.pdf?lang=en"
    assert [(await download(address, path)).status_code for _ in range(2)] == [200, 200]
    refused = await download(address, path)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["message"].endswith(
        "too many downloads from this address; please try again later")
    assert (await download(address, path, source="127.0.0.2")).status_code == 200
    # A signed-in Secretariat member at the flooding address is not limited by it.
    for _ in range(4):
        assert (await download(address, path, token=ADMIN_TOKEN)).status_code == 200
