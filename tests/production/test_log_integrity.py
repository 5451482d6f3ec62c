"""Every update the server logs applies on the updates logged before it.

An update that builds on earlier edits of its own Yjs client id the room never logged (the
connection's earlier update failed to commit, was refused, or never arrived) cannot be applied
by the room: Yjs keeps it pending. Logging it anyway leaves the room's state vector behind the
log, so the client's next resync is taken for new edits and logged a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pycrdt
import pytest
import websockets

import events
import ycodec
from bench.faults.cluster import SHARED_REDIS, Instance, fresh_database
from bench.faults.logcheck import struct_ranges
from bench.faults.scenarios import token_for
from server import protocol

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _frames_until_quiet(ws: Any, seconds: float = 0.5) -> list[bytes]:
    frames = []
    with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
        while True:
            frames.append(await asyncio.wait_for(ws.recv(), seconds))
    return frames


async def test_an_update_missing_its_own_earlier_edits_is_not_logged_and_resync_is_not_doubled(
) -> None:
    document_id = f"gap-{uuid.uuid4().hex[:8]}"
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("text", type=pycrdt.Text)
    text += "[first]"
    first = doc.get_update()
    text += "[second]"
    second = doc.get_update(pycrdt.get_state(first))
    async with fresh_database() as database_url:
        with tempfile.TemporaryDirectory() as work:
            server = Instance(Path(work), database_url, SHARED_REDIS)
            try:
                await server.start()
                url = server.ws_url(document_id, token_for("ayu"))
                async with websockets.connect(url) as ws:
                    await _frames_until_quiet(ws)
                    await ws.send(protocol.sync_update(second))  # without [first]
                    await _frames_until_quiet(ws)
                async with websockets.connect(url) as ws:
                    await _frames_until_quiet(ws)
                    # The resync a reconnecting client sends: everything it has.
                    await ws.send(protocol.sync_step2(doc.get_update()))
                    await _frames_until_quiet(ws)
            finally:
                server.stop()
        store = await events.open_store(database_url)
        try:
            logged = await store.read_stream(f"doc:{document_id}")
        finally:
            await store.close()
    rebuilt: pycrdt.Doc[Any] = pycrdt.Doc()
    carried: list[tuple[int, int, int]] = []
    for event in logged:
        ranges = struct_ranges(event.payload)
        assert not any(c == c2 and a < b2 and a2 < b
                       for c, a, b in ranges for c2, a2, b2 in carried), "logged twice"
        carried += ranges
        rebuilt.apply_update(event.payload)
        state = ycodec.decode_state_vector(rebuilt.get_state())
        assert all(state.get(c, 0) >= b for c, _, b in ranges), "logged but not applicable"
    assert str(rebuilt.get("text", type=pycrdt.Text)) == "[first][second]"
