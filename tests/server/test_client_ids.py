"""Client-id squatting: a co-author reads a victim's Yjs client id from presence and writes
with it first. A client id announced in one person's presence cannot be claimed by another
person, so the squatter is refused and the victim keeps writing under their own name."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pycrdt
import pytest
from live_helpers import LiveServer, TokenFactory, YClient, eventually

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.node


async def test_a_client_id_seen_in_presence_cannot_be_squatted(
    live: LiveServer, token: TokenFactory
) -> None:
    document_id = "squat"
    victim = await asyncio.create_subprocess_exec(
        "node", "squatted.mjs", f"ws://{live.address}/ws", document_id,
        token("Ayu", "ICW", "cso"), "[ayu wrote this]", cwd=JS_DIR,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert victim.stdin is not None and victim.stdout is not None
    try:
        line = await asyncio.wait_for(victim.stdout.readline(), 20)
        client_id = json.loads(line)["clientId"]
        watcher_url = live.url(document_id, token("Budi", "Seknas Fitra", "cso"))
        async with YClient(watcher_url) as watcher:  # reads presence, as any co-author can
            await eventually(lambda: client_id in watcher.awareness, 10)
        async with YClient(watcher_url, client_id=client_id) as squatter:
            await squatter.synced.wait()
            squatter.text += "[budi as ayu]"
            await asyncio.wait_for(squatter.closed.wait(), 5)
        assert squatter.close_code == 4409 and str(client_id) in squatter.close_reason
        victim.stdin.write(b"type\n")
        room = live.state.rooms.rooms[document_id]
        await eventually(lambda: "[ayu wrote this]" in str(room.doc.get("text", type=pycrdt.Text)),
                         10, "the victim's edit never reached the room")
        victim.stdin.write(b"exit\n")
        result = json.loads(await asyncio.wait_for(victim.stdout.readline(), 10))
    finally:
        if victim.returncode is None:
            victim.kill()
        await victim.wait()
    assert result["closes"] == []  # never locked out
    events = await live.state.store.read_stream(f"doc:{document_id}")
    assert [e.actor.person_id for e in events] == ["ext:ayu"]
    assert "[budi as ayu]" not in str(room.doc.get("text", type=pycrdt.Text))
