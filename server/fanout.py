"""Fan-out between instances: what one instance logged, the others apply (never log again).

A ``Broker`` carries opaque messages per document. ``InProcessBroker`` serves one process (or
several apps in one test process through a shared ``InProcessHub``); ``RedisBroker`` uses Redis
pub/sub. Every message carries the sending instance's id (receivers drop their own echoes) and
the stream versions of the updates, so a receiver notices a gap and catches up from the log.
Redis is a fast path, never the source of truth: while it is down each instance serves its own
clients, reconnects in the background, and catches up from the log once it is back. Nor is it
trusted: messages on Redis are sealed with a key derived from the shared secret
(``server.fanout_seal``) and the ones that fail are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ycodec.lib0 import DecodeError, Reader, var_string, var_uint8_array

from .awareness import Entry
from .fanout_seal import FanoutSeal

log = logging.getLogger("kokreasi.fanout")

CHANNEL_PREFIX = "kokreasi:doc:"
# Dropped messages are logged when a burst of them starts, not one line each: whoever floods
# Redis with forgeries must not flood the log too. The metric counts every one.
QUIET_BEFORE_NEW_BURST_SECONDS = 60.0

MessageHandler = Callable[[str, bytes], None]
ReconnectHandler = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class LoggedUpdate:
    version: int  # stream version in doc:{id}
    position: int  # global log position
    person_id: str  # the author, so other instances bind the client ids too
    update: bytes


@dataclass(frozen=True, slots=True)
class UpdatesMessage:
    instance_id: str
    document_id: str
    updates: Sequence[LoggedUpdate]


@dataclass(frozen=True, slots=True)
class AwarenessFanout:
    instance_id: str
    document_id: str
    entries: Sequence[Entry]


FanoutMessage = UpdatesMessage | AwarenessFanout


def encode_message(message: FanoutMessage) -> bytes:
    if isinstance(message, UpdatesMessage):
        header: dict[str, Any] = {
            "k": "u",
            "i": message.instance_id,
            "d": message.document_id,
            "v": [u.version for u in message.updates],
            "p": [u.position for u in message.updates],
            "w": [u.person_id for u in message.updates],
        }
        return var_string(json.dumps(header, separators=(",", ":"))) + b"".join(
            var_uint8_array(u.update) for u in message.updates
        )
    header = {
        "k": "a",
        "i": message.instance_id,
        "d": message.document_id,
        "e": [[e.client_id, e.clock, e.state] for e in message.entries],
    }
    return var_string(json.dumps(header, separators=(",", ":"), ensure_ascii=False))


def decode_message(data: bytes) -> FanoutMessage:
    reader = Reader(data)
    try:
        header = json.loads(reader.var_string())
        if header["k"] == "u":
            updates = [
                LoggedUpdate(int(v), int(p), str(w), reader.var_uint8_array())
                for v, p, w in zip(header["v"], header["p"], header["w"], strict=True)
            ]
            reader.expect_end("fan-out message")
            return UpdatesMessage(str(header["i"]), str(header["d"]), updates)
        entries = [Entry(int(c), int(k), str(s)) for c, k, s in header["e"]]
        return AwarenessFanout(str(header["i"]), str(header["d"]), entries)
    except (ValueError, KeyError, TypeError) as error:
        raise DecodeError(f"malformed fan-out message: {error}") from error


class Broker(Protocol):
    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        """Begin delivering every document's messages (own echoes included) to ``on_message``;
        call ``on_reconnect`` whenever delivery resumes after an outage."""
        ...

    async def publish(self, document_id: str, message: bytes) -> None:
        """Send to the other instances; never raises (an outage is caught up from the log)."""
        ...

    async def close(self) -> None: ...


class InProcessHub:
    """Connects the ``InProcessBroker``s of several apps living in one process."""

    def __init__(self) -> None:
        self.handlers: list[MessageHandler] = []


class InProcessBroker:
    def __init__(self, hub: InProcessHub | None = None) -> None:
        self._hub = hub or InProcessHub()
        self._handler: MessageHandler | None = None

    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self._handler = on_message
        self._hub.handlers.append(on_message)

    async def publish(self, document_id: str, message: bytes) -> None:
        for handler in list(self._hub.handlers):
            if handler is not self._handler:  # an instance drops its own echo anyway
                handler(document_id, message)

    async def close(self) -> None:
        if self._handler in self._hub.handlers:
            self._hub.handlers.remove(self._handler)
        self._handler = None


class RedisBroker:
    """Redis pub/sub on ``kokreasi:doc:{document_id}``, one pattern subscription per instance."""

    def __init__(
        self,
        url: str,
        *,
        seal: FanoutSeal,
        on_rejected: Callable[[], None] = lambda: None,
        max_backoff: float = 2.0,
    ) -> None:
        self._url = url
        self._seal = seal
        self._on_rejected = on_rejected
        self._last_rejected: float | None = None
        self.rejected = 0
        self._max_backoff = max_backoff
        self._client: aioredis.Redis = aioredis.from_url(
            url, socket_connect_timeout=1.0, socket_timeout=2.0
        )
        self._listener: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self._listener = asyncio.create_task(self._listen(on_message, on_reconnect))
        # Serve at once even if Redis is down; the listener keeps trying in the background.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), timeout=2.0)

    async def _listen(self, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        backoff = 0.05
        was_connected = False
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                if was_connected:
                    log.info("redis back: catching up from the log")
                    await on_reconnect()
                self.connected.set()
                was_connected = True
                backoff = 0.05
                while True:
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=1.0
                    )
                    if message is None or message["type"] != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    body = self._seal.open(channel, message["data"])
                    if body is None:
                        self._reject(channel)
                        continue
                    on_message(channel.removeprefix(CHANNEL_PREFIX), body)
            except (RedisError, OSError) as error:
                if self.connected.is_set():
                    log.warning("redis unavailable, serving local clients only: %s", error)
                self.connected.clear()
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(self._max_backoff, backoff * 2)

    def _reject(self, channel: str) -> None:
        self.rejected += 1
        self._on_rejected()
        now = time.monotonic()
        last = self._last_rejected
        if last is None or now - last > QUIET_BEFORE_NEW_BURST_SECONDS:
            log.warning("dropping fan-out messages that fail authentication (forged, or sealed "
                        "with another secret), first on %s; %d dropped since start",
                        channel, self.rejected)
        self._last_rejected = now

    async def publish(self, document_id: str, message: bytes) -> None:
        if not self.connected.is_set():
            return  # receivers notice the version gap and read the log
        channel = CHANNEL_PREFIX + document_id
        sealed = self._seal.seal(channel, message)
        for attempt in range(2):
            try:
                await self._client.publish(channel, sealed)
                return
            except (RedisError, OSError) as error:
                # The first try after a Redis restart meets a pooled socket the old server
                # closed; the retry takes a fresh connection.
                if attempt:
                    log.warning("redis publish failed: %s", error)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._client.aclose()
