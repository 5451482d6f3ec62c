"""One room's append loop: its accepted edits into ``doc:{id}``, in order, and only then shown.

The room hands the loop batches of client updates. For each, the room checks it against its
document plus the edits still in flight (``AppendingRoom.check``); the loop turns what was
accepted into ``crdt.update`` events and appends them with the stream version they follow as
``expected_version`` and the writers' access as ``guard``. Commits are handed back to the room
strictly in submission order (``AppendingRoom.applied``), which applies and sends them.

Several appends may be in flight (``max_in_flight``) only where this instance is the only writer
of its streams (embedded: SQLite and no broker): a batch cannot commit without the batches
before it, since its expected version counts them and nobody else writes the stream. With other
instances writing, one of them could fill exactly the gap a failed batch left and let a later
batch in first, so there the loop keeps one append in flight.

An append that fails goes through the same loop again. The loop lets every later append land;
any that got in anyway (after such a gap) the room takes from the log, in the log's order; the
edits that did not get in are checked again and resent, in their order, one append at a time
until one commits:

- the guard failed (an event that may withdraw access was logged after the access these edits
  were checked against): the room decides each writer's access again first, so nothing is
  logged on access that no longer holds;
- another instance wrote the stream: the room catches up first, so what it now holds is a
  repeat; after ``MAX_CONFLICTS`` of these two, the writers are closed (1011);
- the log is unavailable (or failed otherwise): up to ``APPEND_RETRIES`` resends, backing off,
  then the writers are closed with 1011 and their clients resend on reconnecting;
- the log refused the events: the writers are closed (1011).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from events.catalog import CRDT_UPDATE
from events.errors import ConcurrencyError, EventStoreError, GuardFailed, InvalidEventError
from events.record import NewEvent
from events.store import EventStore
from identity.access import acting

from .edits import Accepted, ClientUpdate, Peer
from .metrics import Metrics

log = logging.getLogger("kokreasi.rooms")

MAX_BATCH = 256  # updates per append; one group-commit round trip for a busy room
MAX_IN_FLIGHT = 8  # appends of one room submitted and not yet committed, when pipelining
APPEND_RETRIES = 3  # when the database fails
MAX_CONFLICTS = 100  # when other instances keep winning the race for the next version
UNAVAILABLE = "the log is unavailable; reconnect to resend your edits"


class AppendingRoom(Protocol):
    """What the loop needs from its room (``rooms.Room``); every call is made from the room's
    worker task, so none interleaves with the room's other changes."""

    document_id: str

    @property
    def version(self) -> int: ...

    def check(self, batch: list[ClientUpdate],
              ahead: list[Accepted]) -> tuple[list[Accepted], list[Peer]]:
        """The updates of ``batch`` to log, decided against the room as it will be once
        ``ahead`` is applied, and the writers of empty ones (acknowledged once durable)."""

    def applied(self, accepted: list[Accepted], positions: list[int]) -> None:
        """Committed at ``positions``, right after the room's version: apply and send."""

    def landed_elsewhere(self, accepted: list[Accepted], repeats: list[Peer]) -> None:
        """Committed, and taken from the log by a catch-up: acknowledge the writers."""

    def ack_all(self, peers: list[Peer]) -> None: ...

    def fail(self, accepted: list[Accepted], reason: str) -> None:
        """Not logged and not to be tried again: close the writers (1011)."""

    async def catch_up(self) -> None: ...

    async def decide_again(self, peers: set[Peer]) -> None: ...

    def state(self) -> bytes:
        """The document's state vector, for ``send_since``."""

    def send_since(self, state: bytes) -> None:
        """Send everyone what the document holds beyond ``state``."""


@dataclass(slots=True)
class _InFlight:
    """A batch submitted to the log whose commit the room has not applied yet."""

    accepted: list[Accepted]
    repeats: list[Peer]  # writers of empty updates, acknowledged once this batch is durable
    expected_version: int
    append: asyncio.Task[list[int]]
    started: float


@dataclass(slots=True)
class _Recovery:
    """Edits being resent after a failed append, until one resend commits or the loop gives up."""

    send_since: bytes | None = None  # the room's state before batches got in after a gap
    failures: int = 0  # the log unavailable
    conflicts: int = 0  # guard failures, other instances' appends


class _EventIds:
    """Unique event ids without a system call each (``uuid4`` reads the OS's randomness for
    every id, a tenth of a busy room's write path): a random uuid4 whose low 48 bits count."""

    _LOW = (1 << 48) - 1

    def __init__(self) -> None:
        base = uuid.uuid4().int
        self._high = base & ~self._LOW  # keeps uuid4's version and variant bits
        self._low = base & self._LOW
        self._count = itertools.count()

    def next(self) -> str:
        value = f"{self._high | ((self._low + next(self._count)) & self._LOW):032x}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


class Appender:
    """The append loop of one room; every method runs in the room's worker task."""

    def __init__(self, room: AppendingRoom, store: EventStore, stream_id: str, *,
                 max_in_flight: int, metrics: Metrics, wake: Callable[[], None]) -> None:
        self._room = room
        self._store = store
        self._stream_id = stream_id
        self._max_in_flight = max_in_flight
        self._metrics = metrics
        self._wake = wake  # called when an append returns: the room's worker lands it
        self._in_flight: deque[_InFlight] = deque()
        self._recovery: _Recovery | None = None
        self._event_ids = _EventIds()

    @property
    def busy(self) -> bool:
        """Appends in flight: the room's version will move, so remote updates and catch-ups
        wait (a resend after a failure is always in flight until it lands)."""
        return bool(self._in_flight)

    @property
    def ready(self) -> bool:
        """Whether another batch may be submitted now. A resend goes alone: a log that just
        failed is not sent more until it takes the edits it failed on."""
        limit = 1 if self._recovery is not None else self._max_in_flight
        return len(self._in_flight) < limit

    def submit(self, batch: list[ClientUpdate], repeats: list[Peer] | None = None) -> None:
        """Check ``batch`` against the room plus what is in flight and append what it accepts;
        ``repeats``: writers to acknowledge once this batch is durable."""
        ahead = [item for flight in self._in_flight for item in flight.accepted]
        accepted, empty = self._room.check(batch, ahead)
        repeats = [*(repeats or ()), *empty]
        if not accepted:
            if self._in_flight:
                self._in_flight[-1].repeats.extend(repeats)  # durable with that batch
            else:
                self._room.ack_all(repeats)
                self._recovered()
            return
        expected = self._room.version + len(ahead)
        append = asyncio.get_running_loop().create_task(self._store.append(
            self._stream_id, self._events(accepted), expected_version=expected,
            guard=_guard(accepted),
        ))
        append.add_done_callback(lambda _: self._wake())
        self._in_flight.append(
            _InFlight(accepted, repeats, expected, append, time.perf_counter())
        )

    async def land(self) -> None:
        """Hand the room every append that returned, in submission order, up to the first
        still pending; a failed one is resent (or given up) before anything after it."""
        while self._in_flight and self._in_flight[0].append.done():
            flight = self._in_flight.popleft()
            error = _error_of(flight.append)
            if error is not None:
                await self._failed(flight, error)
            elif flight.expected_version != self._room.version:
                # Cannot happen while the room moves its version only with nothing in flight;
                # should it, the log has this batch, and reading it applies it in order.
                await self._room.catch_up()
                self._room.landed_elsewhere(flight.accepted, flight.repeats)
            else:
                self._metrics.append_latency.observe(time.perf_counter() - flight.started)
                self._room.applied(flight.accepted, flight.append.result())
                self._room.ack_all(flight.repeats)
                self._recovered()

    async def _failed(self, failed: _InFlight, error: BaseException) -> None:
        """Let every later append land, take from the log those that got in anyway, act on
        the error and resend the rest in order, or give up on them."""
        later = list(self._in_flight)
        self._in_flight.clear()
        if later:
            await asyncio.wait([flight.append for flight in later])
        retry = list(failed.accepted)
        repeats = list(failed.repeats)
        got_in: list[_InFlight] = []
        for flight in later:
            repeats += flight.repeats
            if _error_of(flight.append) is not None:
                retry += flight.accepted
            else:
                got_in.append(flight)
        recovery = self._recovery
        if recovery is None:
            log.info("room %s: an append failed (%s); resending %d batches in order",
                     self._room.document_id, error, 1 + len(later))
            recovery = self._recovery = _Recovery()
        if got_in and recovery.send_since is None:
            recovery.send_since = self._room.state()
        try:
            if got_in:
                # A later batch committed after a gap (another instance appended exactly as
                # many events): the log is the truth, so take it in its order first.
                await self._room.catch_up()
                for flight in got_in:
                    self._room.landed_elsewhere(flight.accepted, flight.repeats)
            give_up = await self._act_on(error, retry, recovery)
        except EventStoreError as reading:
            log.warning("room %s: the log failed while recovering: %s",
                        self._room.document_id, reading)
            give_up = UNAVAILABLE
        if give_up is not None:
            self._give_up(retry, repeats, give_up)
        else:
            self.submit([ClientUpdate(item.peer, item.update, item.received) for item in retry],
                        repeats)

    async def _act_on(self, error: BaseException, retry: list[Accepted],
                      recovery: _Recovery) -> str | None:
        """Do what ``error`` calls for before the edits are resent; or the reason to give up."""
        if isinstance(error, GuardFailed):
            # Access may have been withdrawn after these edits were checked: nothing is
            # logged until each writer's access is decided again on the newer state.
            recovery.conflicts += 1
            await self._room.decide_again({item.peer for item in retry})
        elif isinstance(error, ConcurrencyError):
            # Another instance wrote this document: take its edits, then check again. Each
            # conflict means the other instance made progress, so this ends; the jitter keeps
            # two busy instances from colliding in lockstep.
            recovery.conflicts += 1
            await self._room.catch_up()
            if recovery.conflicts > 2:
                await asyncio.sleep(random.uniform(0, 0.002 * recovery.conflicts))
        elif isinstance(error, InvalidEventError):
            log.error("room %s: log refused a batch: %s", self._room.document_id, error)
            return f"the log refused the edit: {error}"
        else:  # unavailable, or failed otherwise: nothing was written
            recovery.failures += 1
            if recovery.failures > APPEND_RETRIES:
                return UNAVAILABLE
            log.warning("room %s: log unavailable, retrying: %s", self._room.document_id, error)
            await asyncio.sleep(0.1 * 2**recovery.failures)
        if recovery.conflicts > MAX_CONFLICTS:
            return "the document is too busy; reconnect to resend your edits"
        return None

    def _give_up(self, accepted: list[Accepted], repeats: list[Peer], reason: str) -> None:
        self._room.fail(accepted, reason)
        self._room.ack_all(repeats)
        self._recovered()

    def _recovered(self) -> None:
        """The resend landed (or was given up): back to pipelining."""
        recovery, self._recovery = self._recovery, None
        if recovery is not None and recovery.send_since is not None:
            # Edits that came in ahead of what they build on waited inside the document until
            # the rest arrived; send everything since the failure so the clients have it too.
            self._room.send_since(recovery.send_since)

    def _events(self, accepted: list[Accepted]) -> list[NewEvent]:
        return [
            NewEvent(CRDT_UPDATE, item.update, acting(item.peer.principal, item.peer.access),
                     item.peer.access.context, self._event_ids.next())
            for item in accepted
        ]


def _guard(accepted: list[Accepted]) -> dict[str, int]:
    """What the writers' access rests on (``DocumentAccess.guard``); should two decisions
    disagree on a stream, the older version makes the append fail and both be decided again."""
    found: dict[str, int] = {}
    for item in accepted:
        for stream, version in item.peer.access.guard.items():
            found[stream] = min(version, found.get(stream, version))
    return found


def _error_of(append: asyncio.Task[list[int]]) -> BaseException | None:
    if append.cancelled():
        return asyncio.CancelledError("the append was cancelled")
    return append.exception()
