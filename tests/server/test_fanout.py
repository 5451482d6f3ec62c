"""Fan-out between instances in one process: the fast path, echoes, and the safety net."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from pathlib import Path

import httpx
import pycrdt
import pytest
import redis.asyncio as aioredis
from live_helpers import (
    SECRET,
    PrivateRedis,
    TokenFactory,
    YClient,
    eventually,
    free_port,
    make_settings,
    serving,
)

from identity.access import OpenPolicy
from kokreasi.app import create_app
from server.awareness import Entry
from server.fanout import (
    CHANNEL_PREFIX,
    AwarenessFanout,
    InProcessBroker,
    InProcessHub,
    LoggedUpdate,
    MessageHandler,
    ReconnectHandler,
    UpdatesMessage,
    decode_message,
    encode_message,
)
from server.fanout_seal import FanoutSeal


def test_fanout_messages_round_trip() -> None:
    updates = UpdatesMessage("i1", "doc-1", [LoggedUpdate(3, 40, "ayu", b"\x01\x02"),
                                             LoggedUpdate(4, 41, "budi", b"")])
    awareness = AwarenessFanout("i2", "doc-1", [Entry(7, 2, '{"user":{"name":"Ayu"}}')])
    assert decode_message(encode_message(updates)) == updates
    assert decode_message(encode_message(awareness)) == awareness


class SilentBroker:
    """Redis that loses every message: only the log can bring instances together."""

    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        pass

    async def publish(self, document_id: str, message: bytes) -> None:
        pass

    async def close(self) -> None:
        pass


async def test_two_apps_on_one_log_converge_through_the_broker(
    tmp_path: Path, postgres_url: str, token: TokenFactory
) -> None:
    hub = InProcessHub()
    one = create_app(make_settings(tmp_path / "1", postgres_url), policy=OpenPolicy(),
                     broker=InProcessBroker(hub))
    two = create_app(make_settings(tmp_path / "2", postgres_url), policy=OpenPolicy(),
                     broker=InProcessBroker(hub))
    async with serving(one) as first, serving(two) as second:
        async with YClient(f"ws://{first}/ws/hub?token={token('Ayu', 'ICW', 'cso')}") as a, \
                YClient(f"ws://{second}/ws/hub?token={token('Budi', 'ICW', 'cso')}") as b:
            await a.synced.wait()
            await b.synced.wait()
            for i in range(20):
                a.text += f"<a{i}>"
                b.text += f"<b{i}>"
            markers = [f"<{who}{i}>" for who in "ab" for i in range(20)]
            await eventually(lambda: str(a.text) == str(b.text)
                             and all(m in str(a.text) for m in markers))
            assert one.state.rooms.rooms["hub"].version == two.state.rooms.rooms["hub"].version
        events = await one.state.store.read_stream("doc:hub")
    assert len(events) == len({e.event_id for e in events}) <= 40


async def test_lost_fanout_messages_are_caught_up_from_the_log(
    tmp_path: Path, postgres_url: str, token: TokenFactory
) -> None:
    one = create_app(make_settings(tmp_path / "1", postgres_url), policy=OpenPolicy(),
                     broker=SilentBroker(), idle_grace=0.4)
    two = create_app(make_settings(tmp_path / "2", postgres_url), policy=OpenPolicy(),
                     broker=SilentBroker(), idle_grace=0.4)
    async with serving(one) as first, serving(two) as second, \
            YClient(f"ws://{first}/ws/lost?token={token('Ayu', 'ICW', 'cso')}") as a, \
            YClient(f"ws://{second}/ws/lost?token={token('Budi', 'ICW', 'cso')}") as b:
        await a.synced.wait()
        await b.synced.wait()
        a.text += "from the first instance"
        await eventually(lambda: str(b.text) == "from the first instance")


PREVIOUS_SECRET = b"the-secret-being-rotated-out-0123"


def _update_message(document_id: str, version: int, text: str) -> bytes:
    """What an instance publishes after logging an edit; the edit here was never logged."""
    doc: pycrdt.Doc[pycrdt.Text] = pycrdt.Doc()
    doc.get("text", type=pycrdt.Text).insert(0, text)
    logged = LoggedUpdate(version, 999_999, "p-intruder", doc.get_update())
    return encode_message(UpdatesMessage("another-instance", document_id, [logged]))


async def test_only_fanout_messages_sealed_with_the_shared_secret_are_applied(
    tmp_path: Path, postgres_url: str, token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Whoever can write to Redis cannot show everybody an edit that was never logged: an
    instance applies only messages authenticated with a key derived from the shared secret
    (or a previous one, during a rotation) and counts the others."""
    redis = PrivateRedis(free_port())  # so other tests' instances publish nothing here
    await redis.start()
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    settings = dataclasses.replace(make_settings(tmp_path, postgres_url, redis_url),
                                   previous_secret_keys=(PREVIOUS_SECRET,))
    app = create_app(settings, policy=OpenPolicy())
    document = f"sealed-{uuid.uuid4().hex}"
    channel = CHANNEL_PREFIX + document
    raw = aioredis.from_url(redis_url)
    caplog.set_level(logging.WARNING, logger="kokreasi.fanout")
    try:
        async with serving(app) as address, \
                YClient(f"ws://{address}/ws/{document}?token={token('Ayu', 'ICW', 'cso')}") as a:
            await a.synced.wait()
            a.text += "logged. "
            await eventually(lambda: document in app.state.rooms.rooms
                             and app.state.rooms.rooms[document].version == 1)
            forged = _update_message(document, 2, "FORGED ")
            await raw.publish(channel, forged)  # as published before messages were sealed
            await raw.publish(channel, bytes(32) + forged)  # a made-up seal
            other = FanoutSeal(b"somebody-else's-secret-of-length")
            await raw.publish(channel, other.seal(channel, forged))
            genuine = FanoutSeal(SECRET).seal(channel, _update_message(document, 2, "GENUINE "))
            await raw.publish(channel, FanoutSeal(SECRET).seal(channel + "x", forged))
            await raw.publish(channel, genuine)
            rotated = FanoutSeal(PREVIOUS_SECRET).seal(
                channel, _update_message(document, 3, "ROTATED "))
            await raw.publish(channel, rotated)
            # Redis delivers one publisher's messages in order: once the last one shows,
            # every forged one before it has been dealt with.
            await eventually(lambda: "ROTATED" in str(a.text))
            assert "GENUINE" in str(a.text)
            assert "FORGED" not in str(a.text)
            async with httpx.AsyncClient() as client:
                metrics = (await client.get(f"http://{address}/metrics")).text
        assert "kokreasi_fanout_rejected_total 4" in metrics
        warnings = [r for r in caplog.records if "authenticat" in r.getMessage()]
        assert len(warnings) == 1  # once per burst, not once per message
    finally:
        await raw.aclose()
        redis.kill()
