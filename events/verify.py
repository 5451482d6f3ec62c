"""Recomputing the hash chain over any sequence of recorded events.

Pure and backend-free: the stores' ``verify``, the ``kokreasi verify`` command and the
offline audit-bundle verifier all feed it ``RecordedEvent``s and get the first bad position.
It catches a changed byte (the hash no longer matches), a deleted row (a position is
missing), swapped or reordered rows (position or link out of place) and a log cut short
(the last event is not the recorded head).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .record import (
    GENESIS_HASH,
    Actor,
    Context,
    RecordedEvent,
    chain_hash,
    encode_attribution,
)
from .store import Head, VerifyReport


@dataclass(slots=True)
class ChainChecker:
    """Feed events in position order with ``check``; the first failure sticks."""

    next_position: int = 1
    prev_hash: bytes = GENESIS_HASH
    checked: int = 0
    first_bad_position: int | None = None
    reason: str | None = None
    track_versions: bool = True  # only meaningful when checking from position 1
    _versions: dict[str, int] = field(default_factory=dict)
    _attribution: tuple[Actor, Context, datetime, bytes] | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None

    def _fail(self, position: int, reason: str) -> bool:
        self.first_bad_position, self.reason = position, reason
        return False

    def check(self, event: RecordedEvent) -> bool:
        """Check one event; False (and the failure recorded) at the first bad one."""
        if not self.ok:
            return False
        expected = self.next_position
        if event.position != expected:
            return self._fail(expected, f"expected position {expected}, found {event.position}"
                              " (an event is missing or out of order)")
        if event.prev_hash != self.prev_hash:
            return self._fail(expected, "prev_hash does not match the hash of the event before")
        if self._hash_of(event) != event.hash:
            return self._fail(expected, "stored hash does not match the event's contents")
        if self.track_versions:
            version = self._versions.get(event.stream_id, 0) + 1
            if event.stream_version != version:
                return self._fail(expected, f"stream {event.stream_id!r} version "
                                  f"{event.stream_version} follows version {version - 1}")
            self._versions[event.stream_id] = version
        self.checked += 1
        self.next_position = expected + 1
        self.prev_hash = event.hash
        return True

    def _hash_of(self, event: RecordedEvent) -> bytes:
        """``record_hash(event)``, reusing the encoded attribution of the previous event: the
        events of one group commit share actor objects, context and recorded_at."""
        cached = self._attribution
        if cached is None or not (
            event.actor is cached[0] and event.context is cached[1]
            and event.recorded_at == cached[2]
        ):
            encoded = encode_attribution(event.actor, event.context, event.recorded_at)
            cached = self._attribution = (event.actor, event.context, event.recorded_at, encoded)
        return chain_hash(
            position=event.position, stream_id=event.stream_id,
            stream_version=event.stream_version, event_id=event.event_id, type=event.type,
            payload_format=str(event.payload_format), payload=event.payload,
            attribution=cached[3], prev_hash=event.prev_hash,
        )

    def check_head(self, head: Head) -> bool:
        """After the last event: the log must end where its recorded head says."""
        if not self.ok:
            return False
        last = self.next_position - 1
        if head.position != last:
            return self._fail(min(head.position, last) + 1, f"the log head says position "
                              f"{head.position} but the events end at {last}")
        if head.hash != self.prev_hash:
            return self._fail(last, "the log head's hash differs from the last event's hash")
        return True

    def report(self, head: Head) -> VerifyReport:
        return VerifyReport(self.checked, head, self.first_bad_position, self.reason)


def verify_events(
    events: Iterable[RecordedEvent],
    *,
    head: Head | None = None,
    start_position: int = 1,
    prev_hash: bytes = GENESIS_HASH,
) -> VerifyReport:
    """Check ``events`` (in position order) from ``start_position``; with ``head``, also that
    the sequence ends at it. Usable offline, e.g. over the events of an exported bundle."""
    checker = ChainChecker(start_position, prev_hash, track_versions=start_position == 1)
    for event in events:
        if not checker.check(event):
            break
    end = Head(checker.next_position - 1, checker.prev_hash)
    if head is not None:
        checker.check_head(head)
    return checker.report(head or end)


async def verify_event_stream(
    events: AsyncIterable[RecordedEvent],
    *,
    head: Head | None = None,
    start_position: int = 1,
    prev_hash: bytes = GENESIS_HASH,
) -> VerifyReport:
    checker = ChainChecker(start_position, prev_hash, track_versions=start_position == 1)
    async for event in events:
        if not checker.check(event):
            break
    end = Head(checker.next_position - 1, checker.prev_hash)
    if head is not None:
        checker.check_head(head)
    return checker.report(head or end)
