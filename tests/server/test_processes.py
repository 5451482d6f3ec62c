"""`kokreasi serve` as operators run it: killed mid-edit, and several instances side by side."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pycrdt
import pytest
from live_helpers import (
    SECRET,
    PrivateRedis,
    ServerProcess,
    TokenFactory,
    YClient,
    eventually,
    free_port,
)

import events
from events.record import RecordedEvent
from ycodec import outline

OPEN = {"KOKREASI_ACCESS_POLICY": "open"}
PEOPLE = [("Ayu", "ICW", "cso"), ("Budi", "Sekretariat OGI", "secretariat"),
          ("Citra", "Transparency International Indonesia", "cso"),
          ("Dewi", "Sekretariat OGI", "secretariat")]


def _server(path: Path, **kwargs: Any) -> ServerProcess:
    return ServerProcess(path, secret=SECRET.decode(), env=OPEN, **kwargs)


@contextlib.contextmanager
def _stopping(*servers: ServerProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


async def _type(client: YClient, label: str, start: int, stop: int) -> None:
    for i in range(start, stop):
        client.text += f"[{label}{i}]"
        await asyncio.sleep(0.004)


def _markers(label: str, count: int) -> list[str]:
    return [f"[{label}{i}]" for i in range(count)]


async def _logged(database_url: str, document_id: str) -> list[RecordedEvent]:
    store = await events.open_store(database_url)
    try:
        return await store.read_stream(f"doc:{document_id}")
    finally:
        await store.close()


def _check_log(log: list[RecordedEvent], clients: dict[str, YClient], expected: str) -> None:
    """The log rebuilds the text, and every struct in it was written under its author."""
    rebuilt: pycrdt.Doc[Any] = pycrdt.Doc()
    for event in log:
        rebuilt.apply_update(event.payload)
        writers = set(outline(event.payload).writers)
        author = event.actor.person_id.removeprefix("ext:")  # tokens for names, no registry
        assert writers <= {clients[author].doc.client_id}, event.actor
    assert str(rebuilt.get("text", type=pycrdt.Text)) == expected


async def test_kill_9_during_an_edit_storm_loses_and_duplicates_nothing(
    tmp_path: Path, token: TokenFactory
) -> None:
    document_id = f"storm-{uuid.uuid4().hex[:8]}"
    server = _server(tmp_path / "data")
    with _stopping(server):
        await server.start()
        clients = {
            name.lower(): YClient(f"ws://{server.address}/ws/{document_id}?token="
                                  + token(name, org, role))
            for name, org, role in PEOPLE[:3]
        }
        for client in clients.values():
            await client.connect()
            await client.synced.wait()
        storm = [asyncio.create_task(_type(c, label, 0, 60)) for label, c in clients.items()]
        await asyncio.sleep(0.15)
        server.kill()  # mid-storm: some edits logged, some in flight, some not yet sent
        await asyncio.gather(*storm)  # people keep typing while the server is down
        for client in clients.values():
            await client.disconnect()
        await server.start()
        for client in clients.values():
            await client.connect()  # the provider reconnects and re-sends what is missing
        expected = [m for label in clients for m in _markers(label, 60)]
        await eventually(lambda: all(
            all(m in str(c.text) for m in expected) for c in clients.values()), 15)
        await eventually(lambda: len({str(c.text) for c in clients.values()}) == 1)
        text = str(clients["ayu"].text)
        assert all(text.count(marker) == 1 for marker in expected)
        for client in clients.values():
            await client.disconnect()
    _check_log(await _logged(server_url(tmp_path), document_id), clients, text)


def server_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'data' / 'events.sqlite3').resolve()}"


async def test_two_instances_on_one_database_and_redis_converge(
    tmp_path: Path, postgres_url: str, redis_url: str, token: TokenFactory
) -> None:
    document_id = f"two-{uuid.uuid4().hex[:8]}"
    first = _server(tmp_path / "one", database_url=postgres_url, redis_url=redis_url)
    second = _server(tmp_path / "two", database_url=postgres_url, redis_url=redis_url)
    with _stopping(first, second):
        await asyncio.gather(first.start(), second.start())
        clients: dict[str, YClient] = {}
        for index, (name, org, role) in enumerate(PEOPLE):
            server = (first, second)[index % 2]
            clients[name.lower()] = YClient(
                f"ws://{server.address}/ws/{document_id}?token=" + token(name, org, role))
        for client in clients.values():
            await client.connect()
            await client.synced.wait()
        await asyncio.gather(*[_type(c, label, 0, 40) for label, c in clients.items()])
        expected = [m for label in clients for m in _markers(label, 40)]
        await eventually(lambda: all(
            all(m in str(c.text) for m in expected) for c in clients.values()), 10)
        await eventually(lambda: len({str(c.text) for c in clients.values()}) == 1)
        # Presence crosses instances too, stamped by the instance that authenticated it.
        ayu, budi = clients["ayu"], clients["budi"]
        await ayu.send_awareness(ayu.doc.client_id, 1, '{"user":{"name":"x"}}')
        await eventually(lambda: ayu.doc.client_id in budi.awareness)
        assert '"name":"Ayu"' in budi.awareness[ayu.doc.client_id].state
        text = str(ayu.text)
        for client in clients.values():
            await client.disconnect()
    log = await _logged(postgres_url, document_id)
    assert len(log) == len({e.event_id for e in log})
    _check_log(log, clients, text)
    assert all(text.count(m) == 1 for m in expected)


@pytest.mark.slow
async def test_while_redis_is_down_instances_serve_locally_then_catch_up(
    tmp_path: Path, postgres_url: str, token: TokenFactory
) -> None:
    document_id = f"outage-{uuid.uuid4().hex[:8]}"
    redis = PrivateRedis(free_port())
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    first = _server(tmp_path / "one", database_url=postgres_url, redis_url=redis_url)
    second = _server(tmp_path / "two", database_url=postgres_url, redis_url=redis_url)
    try:
        await redis.start()
        await asyncio.gather(first.start(), second.start())
        url = "ws://{}/ws/" + document_id + "?token="
        ayu = YClient(url.format(first.address) + token("Ayu", "ICW", "cso"))
        citra = YClient(url.format(first.address) + token("Citra", "TII", "cso"))
        budi = YClient(url.format(second.address) + token("Budi", "Sekretariat", "secretariat"))
        for client in (ayu, citra, budi):
            await client.connect()
            await client.synced.wait()
        ayu.text += "[before]"
        await eventually(lambda: "[before]" in str(budi.text))
        redis.kill()
        ayu.text += "[during]"
        await eventually(lambda: "[during]" in str(citra.text))  # same instance: live
        await asyncio.sleep(0.3)
        assert "[during]" not in str(budi.text)  # no live path between instances now
        # Budi's edit conflicts in the log with Ayu's; his instance catches up from it.
        budi.text += "[budi-during]"
        await eventually(lambda: "[during]" in str(budi.text))
        await redis.start()
        # Ayu's instance hears of Budi's edit only through the catch-up on reconnect.
        await eventually(lambda: "[budi-during]" in str(ayu.text), 15)
        ayu.text += "[after]"
        await eventually(lambda: "[after]" in str(budi.text), 10)
        for client in (ayu, citra, budi):
            await client.disconnect()
    finally:
        first.stop()
        second.stop()
        redis.kill()
    log = await _logged(postgres_url, document_id)
    text = str(ayu.text)
    assert text == str(budi.text) == str(citra.text)
    for marker in ("[before]", "[during]", "[budi-during]", "[after]"):
        assert text.count(marker) == 1
    assert [e.actor.person_id for e in log] == ["ext:ayu", "ext:ayu", "ext:budi", "ext:ayu"]
