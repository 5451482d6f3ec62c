"""The write path: what gets logged, acknowledged, refused, and shown to others."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pycrdt
import pytest
from live_helpers import LiveServer, TokenFactory, YClient, eventually, make_settings, serving

from commitment.template import check_update_roots
from identity.access import DocumentAccess, OpenPolicy, Principal
from kokreasi.app import create_app
from server import protocol
from server.close_codes import REFUSED_REASON


async def _log(live: LiveServer, document_id: str) -> list[object]:
    return list(await live.state.store.read_stream(f"doc:{document_id}"))


async def test_saved_acknowledgement_comes_after_the_edit_is_in_the_log(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("saved", token(), saved=True)) as writer:
        await writer.synced.wait()
        writer.text += "Milestone 1: publish the DTKS data"
        await writer.wait_saved()
        # The acknowledgement promised durability: the log has the edit now.
        events = await live.state.store.read_stream("doc:saved")
        rebuilt: pycrdt.Doc[object] = pycrdt.Doc()
        for event in events:
            rebuilt.apply_update(event.payload)
        assert str(rebuilt.get("text", type=pycrdt.Text)) == "Milestone 1: publish the DTKS data"
        assert writer.saved == {writer.doc.client_id: writer.local_clock}


async def test_standard_clients_never_receive_the_saved_message(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("plain", token())) as plain:
        await plain.synced.wait()
        plain.text += "x"
        await eventually(lambda: live.state.rooms.rooms["plain"].version == 1)
        await asyncio.sleep(0.05)
    assert not [m for m in plain.received if isinstance(m, protocol.Saved)]


async def test_empty_and_repeated_updates_are_not_logged(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("empty", token(), saved=True)) as writer:
        await writer.synced.wait()
        writer.text += "once"
        await writer.wait_saved()
        writer.saved_event.clear()
        empty_before = live.state.metrics.updates_empty.value
        await writer.send_raw(protocol.sync_update(b"\x00\x00"))
        await writer.send_raw(protocol.sync_update(writer.doc.get_update()))
        await writer.send_raw(protocol.sync_step2(writer.doc.get_update()))
        await eventually(lambda: live.state.metrics.updates_empty.value == empty_before + 3)
        # Still acknowledged, so a reconnecting client that re-sent old edits shows "saved".
        await asyncio.wait_for(writer.saved_event.wait(), 5)
        assert writer.saved == {writer.doc.client_id: writer.local_clock}
    assert len(await _log(live, "empty")) == 1


async def test_a_read_only_connection_changes_nothing_and_is_told_so(
    live: LiveServer, token: TokenFactory
) -> None:
    reader_token = token("Citra", "Kementerian Sosial", "kldi")  # reads until Draft 3
    async with YClient(live.url("ro", token())) as writer, \
            YClient(live.url("ro", reader_token)) as reader:
        await writer.synced.wait()
        await reader.synced.wait()
        writer.text += "by the CSO"
        await eventually(lambda: str(reader.text) == "by the CSO")
        reader.text += " + sneaky ministry edit"
        await asyncio.wait_for(reader.closed.wait(), 5)
        # Told why, then closed: its copy holds an edit the server will never take.
        assert "only CSOs and the Secretariat" in reader.denied[0]
        assert (reader.close_code, reader.close_reason) == (4422, REFUSED_REASON)
        # Not locked out: a fresh copy of the document reads on.
        async with YClient(live.url("ro", reader_token)) as again:
            await again.synced.wait()
            writer.text += "."
            await eventually(lambda: str(again.text) == "by the CSO.")
    assert "sneaky" not in str(writer.text)
    assert "sneaky" not in str(live.state.rooms.rooms["ro"].doc.get("text", type=pycrdt.Text))
    events = await live.state.store.read_stream("doc:ro")
    assert {e.actor.person_id for e in events} == {"ext:ayu-lestari"}


class TemplatePolicy(OpenPolicy):
    """Everyone writes, but only the commitment template's roots (as the process requires)."""

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        return DocumentAccess(True, True, update_check=check_update_roots)


@pytest.mark.parametrize("policy", [TemplatePolicy()])
async def test_an_update_outside_the_policys_layout_is_refused_and_not_logged(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("layout", token(), saved=True)) as writer:
        await writer.synced.wait()
        writer.doc.get("title", type=pycrdt.Text).insert(0, "Data kesejahteraan sosial")
        await writer.wait_saved()
        writer.doc.get("notes_of_my_own", type=pycrdt.Text).insert(0, "not in the template")
        await eventually(lambda: bool(writer.denied))
    assert "not part of the commitment template" in writer.denied[0]
    room_doc = live.state.rooms.rooms["layout"].doc
    assert "notes_of_my_own" not in list(room_doc.keys())
    logged = await _log(live, "layout")
    assert len(logged) == 1


async def test_an_update_with_another_persons_client_id_is_refused(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy())
    async with serving(app) as address:
        url = f"ws://{address}/ws/forge?token="
        async with YClient(url + token("Ayu", "ICW", "cso"), client_id=4242) as ayu:
            await ayu.synced.wait()
            ayu.text += "Ayu wrote this"
            await eventually(lambda: app.state.rooms.rooms["forge"].version == 1)
    # After a restart the binding still holds: it comes from the log.
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy())
    async with serving(app) as address:
        url = f"ws://{address}/ws/forge?token="
        forger = YClient(url + token("Budi", "Sekretariat OGI", "secretariat"), client_id=4242)
        async with forger, YClient(url + token("Dewi", "ICW", "cso")) as witness:
            await forger.synced.wait()
            await witness.synced.wait()
            forger.text += " and Budi pretends to be Ayu"
            await asyncio.wait_for(forger.closed.wait(), 5)
            assert forger.close_code == 4409
            assert "client id 4242" in forger.close_reason
            witness.text += "!"
            await eventually(lambda: app.state.rooms.rooms["forge"].version == 2)
            assert str(witness.text) == "Ayu wrote this!"
        events = await app.state.store.read_stream("doc:forge")
        assert [e.actor.person_id for e in events] == ["ext:ayu", "ext:dewi"]


async def test_malformed_frames_close_only_that_socket(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("junk", token())) as good, \
            YClient(live.url("junk", token("Budi", "ICW", "cso"))) as bad, \
            YClient(live.url("junk", token("Eka", "ICW", "cso"))) as worse:
        await good.synced.wait()
        await bad.synced.wait()
        await worse.synced.wait()
        await bad.send_raw(b"\x00\x02\xff\xff\xff\xff\x0f")  # length prefix beyond the frame
        await worse.send_raw(protocol.sync_update(b"\x01\x01\x05\x00\x84\x01"))  # not an update
        await asyncio.wait_for(bad.closed.wait(), 5)
        await asyncio.wait_for(worse.closed.wait(), 5)
        assert bad.close_code == worse.close_code == 4400
        assert "runs past the end" in bad.close_reason
        assert "not a Yjs update" in worse.close_reason
        good.text += "still fine"
        await eventually(lambda: live.state.rooms.rooms["junk"].version == 1)
    assert len(await _log(live, "junk")) == 1


async def test_messages_over_the_size_limit_are_refused(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("big", token())) as client:
        await client.synced.wait()
        await client.send_raw(protocol.sync_update(b"\x00" * (1024 * 1024 + 10)))
        await asyncio.wait_for(client.closed.wait(), 5)
        # An edit the client would send again with every resync: refused, not retried.
        assert client.close_code == 4422
        assert client.denied == ["suntingan lebih dari 1048576 bita / "
                                 "edit over the 1048576-byte limit"]
    assert await _log(live, "big") == []


async def test_bad_expired_and_missing_tokens_close_with_4401(
    live: LiveServer, token: TokenFactory
) -> None:
    cases = {
        "garbage": "token malformed",
        token(ttl=-1): "token expired",
        token()[:-3] + "AAA": "token bad signature",
    }
    for bad, reason in cases.items():
        client = YClient(live.url("locked", bad))
        await client.connect()
        await asyncio.wait_for(client.closed.wait(), 5)
        await client.disconnect()
        assert client.close_code == 4401
        assert reason in client.close_reason
    client = YClient(f"ws://{live.address}/ws/locked")
    await client.connect()
    await asyncio.wait_for(client.closed.wait(), 5)
    await client.disconnect()
    assert (client.close_code, client.close_reason) == (4401, "sign in first: no token or session")


async def test_the_session_cookie_signs_in_too(live: LiveServer, token: TokenFactory) -> None:
    import websockets

    async with websockets.connect(
        f"ws://{live.address}/ws/cookie",
        additional_headers={"Cookie": f"kokreasi_session={token()}"},
    ) as ws:
        await ws.send(protocol.sync_step1(b"\x00"))
        replies = [protocol.decode(await ws.recv()) for _ in range(2)]
        assert protocol.SyncStep2(b"\x00\x00") in replies


async def test_the_session_cookie_is_refused_from_another_sites_page(
    live: LiveServer, token: TokenFactory
) -> None:
    import websockets

    async with websockets.connect(
        f"ws://{live.address}/ws/cookie",
        additional_headers={"Cookie": f"kokreasi_session={token()}"},
        origin="https://evil.example",  # type: ignore[arg-type]
    ) as ws:
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4403
        assert ws.close_reason == "session cookie sent from another site"


async def test_http_routes_find_the_caller_by_bearer_token_or_cookie(
    live: LiveServer, token: TokenFactory
) -> None:
    from starlette.requests import Request

    from identity.access import SignInRefused
    from identity.auth import current_actor

    def request(headers: dict[str, str]) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "headers": raw, "query_string": b"",
                        "app": live.app})

    bearer = await current_actor(request({"Authorization": f"Bearer {token()}"}))
    cookie = await current_actor(request({"Cookie": f"kokreasi_session={token()}"}))
    assert bearer is not None and cookie is not None
    assert bearer.person_id == cookie.person_id == "ext:ayu-lestari"
    with pytest.raises(SignInRefused) as refused:
        await current_actor(request({"Authorization": "Bearer nonsense"}))
    assert refused.value.status == 401
    assert await current_actor(request({})) is None


async def test_presence_is_stamped_and_crosses_connections(
    live: LiveServer, token: TokenFactory
) -> None:
    async with YClient(live.url("presence", token("Ayu", "ICW", "cso"))) as ayu, \
            YClient(live.url("presence", token("Fajar", "Publik", "public"))) as fajar:
        await ayu.synced.wait()
        await fajar.synced.wait()
        await ayu.send_awareness(ayu.doc.client_id, 1,
                                 '{"user":{"name":"Sekretariat"},"cursor":{"head":2}}')
        await eventually(lambda: ayu.doc.client_id in fajar.awareness)
        await fajar.send_awareness(ayu.doc.client_id, 9, '{"user":{"name":"hijack"}}')
        await fajar.send_awareness(fajar.doc.client_id, 1, '{"cursor":null}')
        await eventually(lambda: fajar.doc.client_id in ayu.awareness)
        seen = fajar.awareness[ayu.doc.client_id]
        assert '"name":"Ayu"' in seen.state and '"organisation":"ICW"' in seen.state
        assert seen.clock == 1 and "hijack" not in seen.state
        assert '"stakeholder":"public"' in ayu.awareness[fajar.doc.client_id].state
    async with YClient(live.url("presence", token("Gita", "ICW", "cso"))) as gita:
        await gita.send_raw(protocol.query_awareness())
        await asyncio.sleep(0.1)
        assert ayu.doc.client_id not in {
            c for c, e in gita.awareness.items() if e.state != "null"}


async def test_healthz_and_metrics(live: LiveServer, token: TokenFactory) -> None:
    import httpx

    async with YClient(live.url("m", token(), saved=True)) as client:
        await client.synced.wait()
        client.text += "abc"
        await client.wait_saved()
        async with httpx.AsyncClient(base_url=f"http://{live.address}") as http:
            health = (await http.get("/healthz")).json()
            metrics = (await http.get("/metrics")).text
    assert health["status"] == "ok" and health["connections"] == 1 and health["rooms"] == 1
    assert "kokreasi_updates_total 1" in metrics
    assert "kokreasi_connections 1" in metrics
    assert "kokreasi_append_seconds_count 1" in metrics
    assert 'kokreasi_fanout_seconds_bucket{le="+Inf"} 1' in metrics
