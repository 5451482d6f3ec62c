"""Access changes, limits, unloading and shutdown, on a real server."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pycrdt
import pytest
from live_helpers import LiveServer, TokenFactory, YClient, eventually, make_settings, serving

from events.record import Stakeholder
from identity.access import AccessListener, DocumentAccess, Principal
from kokreasi.app import create_app
from server.close_codes import REFUSED_REASON
from server.limits import Limits


class SwitchablePolicy:
    """Like the process policy: answers change when the stage advances, and it says so."""

    def __init__(self) -> None:
        self.frozen = False
        self.hidden = False
        self._listeners: list[AccessListener] = []

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        if self.hidden and principal.stakeholder is not Stakeholder.SECRETARIAT:
            return DocumentAccess(False, False, "withdrawn from publication")
        if self.frozen:
            return DocumentAccess(True, False, "Final: the plan is frozen")
        return DocumentAccess(True, True)

    def on_change(self, listener: AccessListener) -> None:
        self._listeners.append(listener)

    async def change(self, **flags: bool) -> None:
        for name, value in flags.items():
            setattr(self, name, value)
        for listener in self._listeners:
            await listener()


async def test_losing_write_access_makes_open_connections_read_only_at_once(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    policy = SwitchablePolicy()
    app = create_app(make_settings(tmp_path, sqlite_url), policy=policy)
    async with serving(app) as address:
        url = f"ws://{address}/ws/final?token="
        async with YClient(url + token(), client_id=1) as cso, \
                YClient(url + token("Budi", "Sekretariat OGI", "secretariat")) as sec:
            await cso.synced.wait()
            cso.text += "agreed text"
            await eventually(lambda: str(sec.text) == "agreed text")
            await policy.change(frozen=True)
            # Told before typing anything, and still connected to read.
            await eventually(lambda: bool(cso.denied))
            assert cso.denied == ["Final: the plan is frozen"] and not cso.closed.is_set()
            cso.text += " changed after Final"
            await asyncio.wait_for(cso.closed.wait(), 5)  # refused: reload the document
            assert cso.denied == ["Final: the plan is frozen"] * 2
            assert (cso.close_code, cso.close_reason) == (4422, REFUSED_REASON)
            async with YClient(url + token()) as reloaded:
                await reloaded.synced.wait()
                assert str(reloaded.text) == "agreed text"
                await policy.change(hidden=True)
                await asyncio.wait_for(reloaded.closed.wait(), 5)
                assert (reloaded.close_code, reloaded.close_reason) == (
                    4403, "withdrawn from publication")
            assert not sec.closed.is_set()
    app2 = create_app(make_settings(tmp_path, sqlite_url), policy=SwitchablePolicy())
    async with serving(app2):
        events = await app2.state.store.read_stream("doc:final")
        assert len(events) == 1


async def test_a_flooding_person_is_throttled_while_others_edit_freely(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    from identity.access import OpenPolicy

    limits = Limits(updates_per_second=20, update_burst=2)
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(), limits=limits)
    async with serving(app) as address:
        url = f"ws://{address}/ws/flood?token="
        async with YClient(url + token("Spammer", "X", "cso")) as spam, \
                YClient(url + token("Ayu", "ICW", "cso")) as ayu:
            await spam.synced.wait()
            await ayu.synced.wait()
            for i in range(40):
                spam.text += str(i % 10)
            await asyncio.sleep(0.2)
            ayu.text += "calm edit"
            await eventually(lambda: "calm edit" in str(
                app.state.rooms.rooms["flood"].doc.get("text", type=pycrdt.Text)))
            # At twenty a second, most of the flood is still waiting on the spammer's socket.
            events = await app.state.store.read_stream("doc:flood")
            assert len([e for e in events if e.actor.person_id == "spammer"]) < 20
            assert not spam.closed.is_set()


async def test_idle_rooms_unload_and_reload_from_the_projections_state(
    tmp_path: Path, sqlite_url: str, token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    from identity.access import OpenPolicy

    caplog.set_level(logging.INFO, logger="kokreasi.loading")
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(), idle_grace=0.2)
    async with serving(app) as address:
        url = f"ws://{address}/ws/idle?token="
        async with YClient(url + token(), client_id=77) as writer:
            await writer.synced.wait()
            writer.text += "kept"
            await eventually(lambda: app.state.rooms.rooms["idle"].version == 1)
        await eventually(lambda: "idle" not in app.state.rooms.rooms, 5)
        head = await app.state.store.head()
        await asyncio.wait_for(app.state.projections.wait_until(head.position), 10)
        async with YClient(url + token("Budi", "ICW", "cso"), client_id=77) as forger:
            await forger.synced.wait()
            assert str(forger.text) == "kept"
            forger.text += "!"  # client id 77 is still Ayu's after a reload from doc_state
            await asyncio.wait_for(forger.closed.wait(), 5)
            assert forger.close_code == 4409
    reloads = [(r.checkpoint_version, r.replayed) for r in caplog.records
               if getattr(r, "document_id", None) == "idle" and hasattr(r, "replayed")]
    assert reloads == [(0, 0), (1, 0)]  # the second load read nothing from the log


async def test_shutdown_flushes_queued_appends(live: LiveServer, token: TokenFactory) -> None:
    async with YClient(live.url("flush", token())) as writer:
        await writer.synced.wait()
        for i in range(50):
            writer.text += f"<{i}>"
        await asyncio.sleep(0.05)
        # Everything the server received is either logged or still queued; closing the
        # rooms must finish the queue rather than drop it.
        room = live.state.rooms.rooms["flush"]
        await live.state.rooms.close()
        assert not room.busy
    events = await live.state.store.read_stream("doc:flush")
    rebuilt: pycrdt.Doc[object] = pycrdt.Doc()
    for event in events:
        rebuilt.apply_update(event.payload)
    logged = str(rebuilt.get("text", type=pycrdt.Text))
    assert logged == str(writer.text)[: len(logged)] and logged.startswith("<0><1>")


async def _stalled_client(address: str, path: str) -> asyncio.StreamWriter:
    """A websocket client that completes the handshake and then never reads again."""
    import base64
    import os
    import socket

    host, port = address.split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    writer.transport.pause_reading()
    return writer


async def test_a_client_too_slow_to_read_is_dropped_and_the_room_carries_on(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    from identity.access import OpenPolicy

    limits = Limits(max_send_queue_bytes=1024 * 1024, send_stall_seconds=0.3)
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(), limits=limits)
    async with serving(app) as address:
        url = f"ws://{address}/ws/slow?token="
        stalled = await _stalled_client(address, f"/ws/slow?token={token('Slow', 'X', 'cso')}")
        try:
            async with YClient(url + token()) as writer, \
                    YClient(url + token("Budi", "ICW", "cso")) as reader:
                await writer.synced.wait()
                await reader.synced.wait()
                # More than the socket buffers hold, so the server's queue for the stalled
                # client must grow while its sends stay stuck.
                for i in range(24):
                    writer.text += f"<{i}>" + "x" * 500_000
                    # Paced by the reader that keeps up: it never has more than one paste
                    # queued, so only the stalled client can overrun its queue, however busy
                    # the machine.
                    await eventually(lambda: len(str(reader.text)) == len(str(writer.text)), 10)
                await eventually(lambda: app.state.metrics.slow_disconnects.value == 1, 10)
                await eventually(lambda: str(reader.text) == str(writer.text), 10)
                await eventually(lambda: len(app.state.connections) == 2)
                assert reader.close_code is None
        finally:
            stalled.transport.abort()


async def test_edits_survive_the_database_dropping_its_connections(
    tmp_path: Path, postgres_url: str, token: TokenFactory
) -> None:
    import asyncpg

    from identity.access import OpenPolicy

    app = create_app(make_settings(tmp_path, postgres_url), policy=OpenPolicy())
    async with serving(app) as address, \
            YClient(f"ws://{address}/ws/pgdrop?token={token()}&saved=1") as writer:
        await writer.synced.wait()
        writer.text += "before;"
        await writer.wait_saved()
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            await admin.close()
        for i in range(5):
            writer.text += f"after{i};"
        # Either the retry reached the database, or the client was told to reconnect and
        # re-sent: in both cases every edit ends up acknowledged, none twice.
        if writer.close_code is None:
            await writer.wait_saved(10)
        else:
            await writer.disconnect()
            await writer.connect()
            await writer.wait_saved(10)
    app2 = create_app(make_settings(tmp_path, postgres_url), policy=OpenPolicy())
    async with serving(app2):
        events = await app2.state.store.read_stream("doc:pgdrop")
    rebuilt: pycrdt.Doc[object] = pycrdt.Doc()
    for event in events:
        rebuilt.apply_update(event.payload)
    assert str(rebuilt.get("text", type=pycrdt.Text)) == "before;" + "".join(
        f"after{i};" for i in range(5))
