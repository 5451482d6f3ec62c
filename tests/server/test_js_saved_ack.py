"""The saved acknowledgement reaches a stock y-websocket provider without a word in its console.

y-websocket's provider logs "Unable to compute message" for every message of a type it has no
handler for; the acknowledgement rides in an auth message of a sub-type it skips instead
(docs/contracts.md, "Saved acknowledgement"). The web app reads it and shows "saved"
(tests/web).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from live_helpers import LiveServer, TokenFactory

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.node


async def test_a_stock_provider_asking_for_acknowledgements_logs_nothing(
    live: LiveServer, token: TokenFactory
) -> None:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "y-websocket").is_dir():
        pytest.fail("Node and tests/js/node_modules are needed: run `npm ci` in tests/js")
    process = await asyncio.create_subprocess_exec(
        "node", "quiet_ack.mjs", f"ws://{live.address}/ws", "quiet",
        token("Budi", "Sekretariat OGI", "secretariat"), "20", cwd=JS_DIR,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    assert process.returncode == 0, (result, stderr.decode())
    assert result["acks"] >= 1  # acknowledged: the edits are in the log
    assert result["logged"] == []
    events = await live.state.store.read_stream("doc:quiet")
    assert events and {e.actor.person_id for e in events} == {"ext:budi"}
