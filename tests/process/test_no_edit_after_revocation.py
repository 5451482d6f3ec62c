"""No edit is logged after the event that took its author's right to make it away.

A writer keeps typing, without waiting for acknowledgements, while the Secretariat advances
the plan to Final or deactivates them: edits checked against the access of a moment before
may still be queued or in flight then. Afterwards no ``crdt.update`` of theirs may have a log
position after the forbidding event (the room's appends are guarded by the streams the access
rests on, ``DocumentAccess.guard``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import websockets
from process_helpers import DocClient, World, serving
from starlette.applications import Starlette

from events.catalog import CRDT_UPDATE
from kokreasi.app import create_app
from kokreasi.settings import Settings
from process import domain as d
from server.limits import Limits

EDITS_AFTER = 40  # edits sent after the forbidding event has been answered


@contextlib.asynccontextmanager
async def second_instance(settings: Settings) -> AsyncIterator[str]:
    """Another instance on the same log, with a per-person edit rate no typist reaches (so
    its room's queue stays full); when it stops, its queued appends have been made."""
    app = create_app(settings, limits=Limits(updates_per_second=100_000.0,
                                             update_burst=100_000.0))
    async with serving(app) as address:
        yield address


async def type_through(client: DocClient, forbid: Callable[[], Awaitable[object]]) -> None:
    """Type continuously before, during and after ``forbid()``."""
    done = asyncio.Event()
    after = 0

    async def typing() -> None:
        nonlocal after
        with contextlib.suppress(websockets.ConnectionClosed):
            while after < EDITS_AFTER and not client.closed:
                await client.send_edit("x")
                after += done.is_set()
                await asyncio.sleep(0.001)

    typist = asyncio.create_task(typing())
    for _ in range(30):  # some edits are logged before
        await client.send_edit("y")
    await client.until(lambda: bool(client.saved))
    await forbid()
    done.set()
    await typist


async def edits_after(app: Starlette, world: World, person_id: str, stream: str,
                      event_type: str) -> list[int]:
    store = app.state.store
    forbidding = [e.position for e in await store.read_stream(stream) if e.type == event_type]
    edits = [e for e in await store.read_stream(f"doc:{world.document_id}")
             if e.type == CRDT_UPDATE and e.actor.person_id == person_id]
    assert len(edits) > 1  # the writer's edits before the event were logged
    return [e.position for e in edits if e.position > forbidding[-1]]


async def test_no_edit_lands_after_the_advance_to_final(
    world: World, settings: Settings, app: Starlette
) -> None:
    for _ in range(4):
        await world.advance()  # draft4: CSO members of the group write
    async with second_instance(settings) as address:
        url = f"ws://{address}/ws/{world.document_id}?token={world.tokens['cso_member']}&saved=1"
        async with DocClient(url) as writer:
            await writer.until(lambda: writer.synced.is_set())
            await type_through(writer, world.advance)  # final, through the first instance
            await writer.until(lambda: bool(writer.denied))  # refused once frozen
    final = await edits_after(app, world, world.people["cso_member"],
                              d.plan_stream(world.plan_id), d.PLAN_STAGE_ADVANCED)
    assert final == []


async def test_no_edit_lands_after_the_writer_is_deactivated(
    world: World, settings: Settings, app: Starlette
) -> None:
    await world.advance()  # draft1
    person = world.people["cso_member"]

    async def deactivate() -> None:
        await world.call("POST", f"/api/people/{person}/deactivate",
                         json={"reason": "left"}, expect=200)

    async with second_instance(settings) as address:
        url = f"ws://{address}/ws/{world.document_id}?token={world.tokens['cso_member']}&saved=1"
        async with DocClient(url) as writer:
            await writer.until(lambda: writer.synced.is_set())
            await type_through(writer, deactivate)
            await writer.until(lambda: writer.closed)
    late = await edits_after(app, world, person, d.person_stream(person),
                             d.PERSON_DEACTIVATED)
    assert late == []
