"""Fan-out between instances in one process: the fast path, echoes, and the safety net."""

from __future__ import annotations

from pathlib import Path

from live_helpers import TokenFactory, YClient, eventually, make_settings, serving

from identity.access import OpenPolicy
from kokreasi.app import create_app
from server.awareness import Entry
from server.fanout import (
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
