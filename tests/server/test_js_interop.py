"""The unmodified JavaScript client (yjs + y-websocket) and pycrdt clients edit together."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from live_helpers import LiveServer, TokenFactory, YClient, eventually

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.node


def _need_node() -> None:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "y-websocket").is_dir():
        pytest.fail("Node and tests/js/node_modules are needed: run `npm ci` in tests/js")


async def run_js(live: LiveServer, document_id: str, token: str, label: str, count: int,
                 expected: list[str]) -> dict[str, object]:
    process = await asyncio.create_subprocess_exec(
        "node", "client.mjs", f"ws://{live.address}/ws", document_id, token, label, str(count),
        json.dumps(expected), cwd=JS_DIR,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode() + stdout.decode()
    result: dict[str, object] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


async def test_js_and_pycrdt_clients_converge(live: LiveServer, token: TokenFactory) -> None:
    _need_node()
    document_id = "interop"
    js_markers = [f"[js{i}]" for i in range(20)]
    py_markers = [f"[py{i}]" for i in range(20)]
    async with YClient(live.url(document_id, token("Budi", "Sekretariat OGI", "secretariat"))
                       ) as py:
        await py.synced.wait()
        await py.send_awareness(py.doc.client_id, 1, json.dumps({"cursor": None}))
        js = asyncio.create_task(run_js(
            live, document_id, token("Ayu", "ICW", "cso"), "js", 20, py_markers))
        for marker in py_markers:
            py.text += marker
            await asyncio.sleep(0.005)
        result = await js
        await eventually(lambda: all(m in str(py.text) for m in js_markers), 10)
        assert result["text"] == str(py.text)
        # The JS client saw the pycrdt client's presence as the server stamped it.
        users = result["users"]
        assert isinstance(users, list)
        assert {"name": "Budi", "organisation": "Sekretariat OGI", "stakeholder": "secretariat"
                }.items() <= users[0].items()
        # And the JS client's forged name never reached the pycrdt client.
        names = {json.loads(e.state)["user"]["name"] for e in py.awareness.values()
                 if e.state != "null"}
        assert "Somebody Else" not in names

    events = await live.state.store.read_stream(f"doc:{document_id}")
    authors = {e.actor.person_id for e in events}
    assert authors == {"ext:ayu", "ext:budi"}
