"""Limits that keep one person or one slow client from hurting a room (no I/O)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from throttle import KeyedBuckets


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_bytes: int = 1024 * 1024
    updates_per_second: float = 50.0  # per person, across all their connections
    update_burst: float = 200.0  # a paste or a reconnect's catch-up arrives at once
    # What updates cost the server, per person: checking and applying an update takes time
    # in proportion to its Yjs structs (a keystroke is one; 60,000 unmergeable one-character
    # inserts in 800 KB took 0.4 s of the event loop), and storing it to its bytes, which
    # count one item per ``bytes_per_item``. An update over ``max_update_items`` is refused.
    items_per_second: float = 2000.0
    item_burst: float = 20_000.0
    max_update_items: int = 10_000
    bytes_per_item: int = 128
    max_connections_per_person: int = 20  # on one instance: tabs, devices, reconnects
    # Presence (cursors, who is here): small JSON states, a few a second while typing.
    max_presence_bytes: int = 8 * 1024
    presence_per_second: float = 20.0  # per connection; over it, states are dropped
    presence_burst: float = 60.0
    # A client is too slow, and dropped, when more than this waits for it while a send to it
    # has been stuck for ``send_stall_seconds``; a burst to a client that keeps reading is
    # fine up to four times as much.
    max_send_queue_bytes: int = 8 * 1024 * 1024
    max_send_queue_messages: int = 10_000
    send_stall_seconds: float = 2.0
    header_timeout: float = 10.0  # seconds for a request's headers (``server.deadline``)
    per_address: AddressLimits = field(default_factory=lambda: AddressLimits())


class PersonLimits:
    """Per person, across their connections to this instance: edits a second, what the
    edits cost (items a second), and how many connections are open."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        # One bucket per person, not per address: a whole office shares one address.
        self.edits = KeyedBuckets(limits.updates_per_second, limits.update_burst, clock=clock)
        self.items = KeyedBuckets(limits.items_per_second, limits.item_burst, clock=clock)
        self.max_connections = limits.max_connections_per_person
        self._connections: dict[str, int] = {}

    def connect(self, person_id: str) -> bool:
        """Count a connection of ``person_id``; False (nothing counted) when they have
        ``max_connections`` already. Call ``disconnect`` when a counted one ends."""
        open_now = self._connections.get(person_id, 0)
        if open_now >= self.max_connections:
            return False
        self._connections[person_id] = open_now + 1
        return True

    def disconnect(self, person_id: str) -> None:
        _count_down(self._connections, person_id)


def _count_down(counts: dict[str, int], key: str) -> None:
    """One fewer of ``key``; none left is no entry, so the dict holds only live keys."""
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


@dataclass(frozen=True, slots=True)
class AddressLimits:
    """Per client address, checked right after the token's signature (a hash, as cheap as
    the bucket lookup). An office or a ministry puts hundreds of people behind one NAT
    address, who all reconnect at once after a restart: the burst lets them in, the refill
    refuses only floods of thousands a minute."""

    handshake_burst: float = 500.0
    handshakes_per_second: float = 10.0  # 600 a minute, on top of the burst
    # Bad or missing tokens; once spent, the address's attempts WITHOUT a valid token are
    # refused until the bucket refills. Refused roles and malformed frames are charged to
    # the person whose token it was, and refuse only that person's next attempts.
    failure_burst: float = 100.0
    failures_per_second: float = 1.0
    max_unauthenticated: int = 100  # handshakes of one address still being checked at once
    # Refusals explained with an accepted socket closed with 1013 and a reason (browsers show
    # nothing of an HTTP refusal of the upgrade); beyond these, the cheap HTTP 429.
    explained_burst: float = 10.0
    explained_per_second: float = 1.0
    max_addresses: int = 100_000  # buckets kept before the least recently used are forgotten


class Refusal(StrEnum):
    """Why an address's handshake is refused; the value is the reason shown to the client."""

    FAILURES = "too many failed attempts from this address; wait a minute"
    PERSON_FAILURES = "too many refused attempts or malformed frames of yours; wait a minute"
    HANDSHAKES = "too many connection attempts from this address; wait a minute"
    PENDING = "too many connections being opened from this address at once"

    @property
    def label(self) -> str:
        return self.name.lower()


class AddressGuard:
    """Token buckets per client address for websocket handshakes and failures (no I/O).

    Failures never refuse a valid token of someone else: a flood of bad tokens from the
    address an office, a proxy or a NAT shares with its people would otherwise lock them all
    out. Attempts without a valid token are refused by their address's failures; a person's
    own failures (refused roles, malformed frames) refuse only that person."""

    def __init__(self, limits: AddressLimits,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits

        def buckets(rate: float, burst: float) -> KeyedBuckets:
            return KeyedBuckets(rate, burst, max_keys=limits.max_addresses, clock=clock)

        self._handshakes = buckets(limits.handshakes_per_second, limits.handshake_burst)
        self._failures = buckets(limits.failures_per_second, limits.failure_burst)
        self._explained = buckets(limits.explained_per_second, limits.explained_burst)
        self._pending: dict[str, int] = {}

    def admit(self, address: str, person: str | None) -> Refusal | None:
        """Why this handshake is refused, or None. ``person``: whom its token names once the
        signature checked out; None without a (valid) token. An admitted handshake of a
        person spends one of the address's handshakes: call ``checked`` when it is done."""
        limits = self.limits
        failures = self._failures.get(_failure_key(address, person))
        if failures is not None and failures.take(0.0) > 0.0:
            return Refusal.FAILURES if person is None else Refusal.PERSON_FAILURES
        if person is None:
            return None  # refused at once, with no policy query: nothing pending, no handshake
        handshakes = self._handshakes[address]
        # Refusals are not charged: the address gets in again as soon as a token refills,
        # rather than a flood's length later.
        if not handshakes.spend():
            return Refusal.HANDSHAKES
        if self._pending.get(address, 0) >= limits.max_unauthenticated:
            return Refusal.PENDING
        self._pending[address] = self._pending.get(address, 0) + 1
        return None

    def explain(self, address: str) -> bool:
        """Whether this refusal may be explained the costly way (accept, then close with a
        reason): a person reconnecting now and then learns why, a flood does not get a
        websocket per attempt."""
        return self._explained[address].spend()

    def checked(self, address: str) -> None:
        """The admitted handshake was authenticated, or refused: it is no longer pending."""
        _count_down(self._pending, address)

    def failed(self, address: str, person: str | None) -> None:
        """A bad or missing token came from ``address`` (``person`` None), or ``person`` was
        refused or sent a malformed frame."""
        self._failures.take(_failure_key(address, person))


def _failure_key(address: str, person: str | None) -> str:
    # A prefix no address has, so a person id cannot share an address's bucket.
    return address if person is None else f"person:{person}"


class QuietRefusals(logging.Filter):
    """For the ``uvicorn.error`` logger: one line per ``interval`` seconds about upgrades
    refused with HTTP 429, saying how many were left out (the metric counts them all). A
    flood would otherwise write, and pay for, three lines per attempt: uvicorn's access
    line, websockets' "connection rejected" (the same news) and uvicorn's "returned without
    completing handshake" error, a false alarm after any refusal of an upgrade."""

    ACCESS = '%s - "WebSocket %s" %d'
    REJECTED = "connection rejected (%d %s)"
    UNFINISHED = "ASGI callable returned without completing handshake."

    def __init__(self, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._next = float("-inf")
        self._skipped = 0
        self._false_alarms = 0  # refusals whose "without completing handshake" is still due

    def filter(self, record: logging.LogRecord) -> bool:
        msg, args = record.msg, record.args
        if msg == self.UNFINISHED and self._false_alarms:
            self._false_alarms -= 1
            return False
        if not isinstance(args, tuple) or not args:
            return True
        if msg == self.REJECTED and args[0] == 429:
            return False
        if msg != self.ACCESS or args[-1] != 429:
            return True
        # Bounded, should a uvicorn version stop sending the false alarm.
        self._false_alarms = min(self._false_alarms + 1, 1000)
        now = self._clock()
        if now < self._next:
            self._skipped += 1
            return False
        self._next = now + self.interval
        if self._skipped:
            record.msg = f"{msg} ({self._skipped} more refused since, not logged)"
            self._skipped = 0
        return True
