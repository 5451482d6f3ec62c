"""The event store API every backend implements (SQLite for laptops, PostgreSQL in production).

The promises (shown by ``tests/events/test_store_contract.py`` against every backend):

* ``position`` is gapless, strictly increasing and equal to commit order as readers see it;
* an append is atomic, checks ``expected_version`` optimistically, and is idempotent on
  ``event_id`` (re-sending returns the original positions and stores nothing);
* ``subscribe`` catches up from the log, then follows live appends, with no gap and no
  duplicate;
* the database refuses UPDATE, DELETE and TRUNCATE of events; ``verify`` recomputes the chain.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .record import DEFAULT_MAX_PAYLOAD, NewEvent, RecordedEvent
from .rows import FoldRow, fold_row

ANY_VERSION: None = None
"""Pass as ``expected_version`` to append whatever the stream's current version is."""

NO_STREAM = 0
"""Pass as ``expected_version`` to require that the stream does not exist yet."""


@dataclass(frozen=True, slots=True)
class Head:
    position: int  # 0 for an empty log
    hash: bytes  # GENESIS_HASH for an empty log


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int  # number of events whose hash and link were recomputed
    head: Head
    first_bad_position: int | None  # None when the whole range verifies
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None


class EventStore(abc.ABC):
    """An append-only, hash-chained log. Use as ``async with open_store(url) as store:``."""

    max_payload: int = DEFAULT_MAX_PAYLOAD

    @abc.abstractmethod
    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = ANY_VERSION,
        guard: Mapping[str, int] | None = None,
    ) -> list[int]:
        """Append ``events`` to ``stream_id`` atomically; return their global positions.

        ``guard``: other streams that must still be at these versions (0: no events) when the
        append commits, checked in its transaction against everything committed before it, so
        the append lands before any later event of those streams or not at all.

        Raises ``ConcurrencyError`` if the stream is not at ``expected_version``,
        ``GuardFailed`` if a guard stream moved on,
        ``InvalidEventError`` for an unacceptable event, ``StoreUnavailable`` if the database
        failed (in which case nothing was written)."""

    @abc.abstractmethod
    async def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Events of one stream with ``stream_version > after_version``, in version order."""

    @abc.abstractmethod
    async def read_all(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Events of the whole log with ``position > after_position``, in position order."""

    async def read_rows(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[FoldRow]:
        """``read_all`` as plain tuples of ``rows.FOLD_COLUMNS``: for folds over the whole log
        (a rebuild reads every event), where an object per event costs more than the fold."""
        return [fold_row(e) for e in await self.read_all(after_position=after_position,
                                                          limit=limit)]

    @abc.abstractmethod
    async def read_stream_rows(
        self, stream_id: str, *, after_version: int = 0, until_position: int | None = None,
        limit: int | None = None, who_after: int = 0,
    ) -> list[FoldRow]:
        """``read_stream`` as ``read_rows`` tuples, only events at or before ``until_position``
        when given (replaying a document to a point in the past). Events at or before
        ``who_after`` come with ``who`` None: a replay needs the person only for events
        newer than what it knows already."""

    @abc.abstractmethod
    async def read_stream_matching(
        self, stream_id: str, match: Mapping[str, str], *, after_position: int = 0,
        limit: int = 100,
    ) -> list[RecordedEvent]:
        """Events of one stream after global ``after_position`` whose columns (names from
        ``rows.MATCHABLE``) equal ``match``, in order: a document's history by one person,
        organisation, stakeholder type, stage or session. ``ValueError`` for other columns."""

    @abc.abstractmethod
    async def stream_position_at(self, stream_id: str, moment: datetime) -> int:
        """The position of the stream's last event recorded at or before ``moment``, 0 if
        none."""

    @abc.abstractmethod
    def subscribe(self, *, after_position: int = 0) -> AsyncIterator[RecordedEvent]:
        """Every event after ``after_position``: first those in the log, then live ones."""

    async def subscribe_rows(self, *, after_position: int = 0) -> AsyncIterator[FoldRow]:
        """``subscribe`` as ``read_rows`` tuples: a fold following the log live."""
        async for event in self.subscribe(after_position=after_position):
            yield fold_row(event)

    @abc.abstractmethod
    async def head(self) -> Head:
        """The last committed position and its hash."""

    @abc.abstractmethod
    async def stream_version(self, stream_id: str) -> int:
        """The current version of a stream, 0 if it has no events."""

    @abc.abstractmethod
    async def verify(
        self, *, from_position: int = 1, to_position: int | None = None
    ) -> VerifyReport:
        """Recompute hashes and links over a range of the log (the whole log by default)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Flush pending appends and release connections."""

    async def __aenter__(self) -> EventStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
