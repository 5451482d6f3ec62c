"""Errors of the event log.

    EventStoreError
    ├── ConcurrencyError      the stream moved on since the caller read it (stale expected version)
    ├── GuardFailed           a stream the append depends on moved on (its ``guard``)
    ├── InvalidEventError     the event itself is unacceptable: unknown type, bad stream id,
    │   ├── PayloadTooLarge   payload over the configured limit, wrong payload kind, ...
    ├── IdempotencyError      an event id was reused for a different event
    ├── StoreUnavailable      the database cannot be reached or failed; nothing was written
    └── IntegrityError        the stored chain does not verify (tampering or corruption)

Backends translate their driver's exceptions into these at the edge (``raise ... from e``), so
callers never see sqlite3 or asyncpg errors.
"""

from __future__ import annotations


class EventStoreError(Exception):
    """Base of every error the event log raises."""


class ConcurrencyError(EventStoreError):
    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, not the expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class GuardFailed(EventStoreError):
    """Another stream the append rests on is no longer at the version its ``guard`` names:
    what allowed the append (a stage, a person's access) may have changed; decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, not the {expected} the append rests on"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class InvalidEventError(EventStoreError):
    pass


class PayloadTooLarge(InvalidEventError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"payload of {size} bytes is over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class IdempotencyError(EventStoreError):
    pass


class StoreUnavailable(EventStoreError):
    pass


class IntegrityError(EventStoreError):
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"log does not verify at position {position}: {reason}")
        self.position = position
        self.reason = reason
