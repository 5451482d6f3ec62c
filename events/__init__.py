"""The event log: an append-only, hash-chained record of every contribution.

    store = await events.open_store("sqlite:///kokreasi-data/events.sqlite3")
    positions = await store.append("doc:abc", [NewEvent("crdt.update", update, actor)])
"""

from __future__ import annotations

from .errors import (
    ConcurrencyError,
    EventStoreError,
    GuardFailed,
    IdempotencyError,
    IntegrityError,
    InvalidEventError,
    PayloadTooLarge,
    StoreUnavailable,
)
from .record import DEFAULT_MAX_PAYLOAD, Actor, Context, NewEvent, RecordedEvent
from .store import ANY_VERSION, NO_STREAM, EventStore, Head, VerifyReport

__all__ = [
    "ANY_VERSION",
    "NO_STREAM",
    "Actor",
    "ConcurrencyError",
    "Context",
    "EventStore",
    "EventStoreError",
    "GuardFailed",
    "Head",
    "IdempotencyError",
    "IntegrityError",
    "InvalidEventError",
    "NewEvent",
    "PayloadTooLarge",
    "RecordedEvent",
    "StoreUnavailable",
    "VerifyReport",
    "open_store",
]


async def open_store(
    database_url: str,
    *,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    group_commit_wait_ms: float = 2.0,
    group_commit: bool = True,
) -> EventStore:
    """Open the log at ``database_url`` (``sqlite:///PATH`` or ``postgresql://...``), applying
    pending schema migrations. Raises ``StoreUnavailable`` if the database cannot be reached."""
    options = {
        "max_payload": max_payload,
        "group_commit": group_commit,
        "group_commit_wait_ms": group_commit_wait_ms,
    }
    if database_url.startswith("sqlite:"):
        from .sqlite import SqliteStore

        return await SqliteStore.open(database_url, **options)
    if database_url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return await PostgresStore.open(database_url, **options)
    raise StoreUnavailable(
        f"database URL {database_url!r} is neither sqlite:///PATH nor postgresql://..."
    )
