"""The stock JavaScript client (y-websocket 3.x, its default reconnection rules) and the
server's refusals: a transient one (too many connections, edits) is retried and passes; a
refused edit stops the provider with a clear reason, and a reloaded document edits on."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from live_helpers import LiveServer, TokenFactory, YClient, eventually, make_settings, serving

from commitment.template import check_update_roots
from identity.access import DocumentAccess, OpenPolicy, Principal
from kokreasi.app import create_app
from server.close_codes import REFUSED_REASON
from server.limits import Limits

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.node


class TemplatePolicy(OpenPolicy):
    """Everyone writes, but only the commitment template's roots (as the process requires)."""

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        return DocumentAccess(True, True, update_check=check_update_roots)


async def run_js(address: str, document_id: str, token: str, scenario: str
                 ) -> dict[str, list[object]]:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "y-websocket").is_dir():
        pytest.fail("Node and tests/js/node_modules are needed: run `npm ci` in tests/js")
    process = await asyncio.create_subprocess_exec(
        "node", "recovering.mjs", f"ws://{address}/ws", document_id, token, scenario,
        cwd=JS_DIR, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=40)
    assert process.returncode == 0, stderr.decode() + stdout.decode()
    result: dict[str, list[object]] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


async def test_a_stock_client_refused_as_too_many_retries_and_gets_in(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(),
                     limits=Limits(max_connections_per_person=2))
    async with serving(app) as address:
        live = LiveServer(address, app)
        mine = token("Ayu", "ICW", "cso")
        tabs = [YClient(live.url("busy", mine)) for _ in range(2)]
        for tab in tabs:
            await tab.connect()
            await tab.synced.wait()
        js = asyncio.create_task(run_js(address, "busy", mine, "retry"))
        # Refused while both connections are held: the provider must keep trying.
        refusals = app.state.metrics.person_refusals.values
        await eventually(lambda: refusals.get("connections", 0) >= 2, 20)
        for tab in tabs:
            await tab.disconnect()
        result = await js
    assert [1013, "terlalu banyak koneksi terbuka (maks. 2) / "
                  "too many open connections for one person (max 2)"] in result["closes"]
    assert result["stopped"] == []
    assert result["title"] == "[retried]"


@pytest.mark.parametrize("policy", [TemplatePolicy()])
async def test_a_stock_client_whose_edit_was_refused_stops_then_edits_on_after_reloading(
    live: LiveServer, token: TokenFactory
) -> None:
    result = await run_js(live.address, "refused", token("Ayu", "ICW", "cso"), "refused")
    assert result["stopped"] == [[4422, REFUSED_REASON]]
    denied = result["denied"]
    assert len(denied) == 1 and "not part of the commitment template" in str(denied[0])
    assert result["title"] == "[after recovery]"
    # One edit logged: the recovered one; the refused one never was.
    events = await live.state.store.read_stream("doc:refused")
    assert len(events) == 1
