"""What both backends share: validation, group commit, subscriptions and verification.

A backend supplies the transaction that commits a batch (``_commit_batch``), the reads, and
``_poll_interval``: how often an idle subscriber looks for appends it was not woken for
(other processes' appends on SQLite, a lost LISTEN connection on PostgreSQL).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from .batching import GroupCommitter, fail_batch
from .errors import StoreUnavailable
from .planning import PendingAppend
from .record import GENESIS_HASH, NewEvent, RecordedEvent
from .rows import FoldRow
from .store import ANY_VERSION, EventStore, VerifyReport
from .validation import validate_append, validate_guard
from .verify import ChainChecker

SUBSCRIBE_PAGE = 500
T = TypeVar("T")
VERIFY_PAGE = 2000


class LogStore(EventStore):
    _poll_interval: float = 1.0

    def __init__(self, *, max_payload: int, group_commit: bool, group_commit_wait_ms: float):
        self.max_payload = max_payload
        self._committer = (
            GroupCommitter(self._commit_batch, group_commit_wait_ms) if group_commit else None
        )
        self._appended = asyncio.Event()
        self._closed = False

    @abc.abstractmethod
    async def _commit_batch(self, batch: list[PendingAppend]) -> None:
        """Commit ``batch`` in one transaction, then settle each append's future."""

    @abc.abstractmethod
    async def _close_backend(self) -> None: ...

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable("the event store is closed")

    def _wake_subscribers(self) -> None:
        # Swap before setting: a subscriber holding the old event wakes; later ones wait anew.
        woken, self._appended = self._appended, asyncio.Event()
        woken.set()

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = ANY_VERSION,
        guard: Mapping[str, int] | None = None,
    ) -> list[int]:
        valid = validate_append(stream_id, events, expected_version, self.max_payload)
        guards = validate_guard(guard)
        self._check_open()
        if not valid:
            return []
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        pending = PendingAppend(stream_id, valid, expected_version, future, guards)
        if self._committer is not None:
            return await self._committer.submit(pending)
        try:
            await self._commit_batch([pending])
        except Exception as error:
            fail_batch([pending], error)
        return await future

    async def _prepare_wake_ups(self) -> None:
        """Before a subscription's first read: start whatever delivers wake-ups."""

    async def _wait_for_append(self, woken: asyncio.Event) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the cancellation of a
        # subscriber that is being shut down, which then hangs whoever awaits it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_interval):
                await woken.wait()

    async def subscribe(self, *, after_position: int = 0) -> AsyncIterator[RecordedEvent]:
        async for page in self._follow(self.read_all, after_position, _event_position):
            for event in page:
                yield event

    async def subscribe_rows(self, *, after_position: int = 0) -> AsyncIterator[FoldRow]:
        async for page in self._follow(self.read_rows, after_position, _row_position):
            for row in page:
                yield row

    async def _follow(
        self, read: Callable[..., Awaitable[list[T]]], after_position: int,
        position_of: Callable[[T], int],
    ) -> AsyncIterator[list[T]]:
        """Pages of the log after ``after_position``, then of each append as it commits."""
        position = after_position
        await self._prepare_wake_ups()
        while not self._closed:
            # Taken before reading, so an append committing during the read still wakes us.
            woken = self._appended
            page = await read(after_position=position, limit=SUBSCRIBE_PAGE)
            if page:
                yield page
                position = position_of(page[-1])
            if len(page) < SUBSCRIBE_PAGE:
                await self._wait_for_append(woken)

    async def verify(
        self, *, from_position: int = 1, to_position: int | None = None
    ) -> VerifyReport:
        head = await self.head()
        end = head.position if to_position is None else min(to_position, head.position)
        start = max(1, from_position)
        checker = ChainChecker(start, GENESIS_HASH, track_versions=start == 1)
        after = start - 1
        if start > 1:
            before = await self.read_all(after_position=start - 2, limit=1)
            if not before or before[0].position != start - 1:
                return VerifyReport(0, head, start - 1, "the event before the range is missing")
            checker.prev_hash = before[0].hash
        while after < end and checker.ok:
            page = await self.read_all(after_position=after, limit=min(VERIFY_PAGE, end - after))
            if not page:
                break
            for event in page:
                if not checker.check(event):
                    break
            after = page[-1].position
        if checker.ok and to_position is None:
            checker.check_head(head)
        elif checker.ok and checker.next_position - 1 < end:
            checker.first_bad_position = checker.next_position
            checker.reason = f"events end at {checker.next_position - 1}, before position {end}"
        return checker.report(head)

    async def close(self) -> None:
        if self._closed:
            return
        if self._committer is not None:
            await self._committer.close()
        self._closed = True
        self._wake_subscribers()
        await self._close_backend()


def _event_position(event: RecordedEvent) -> int:
    return event.position


def _row_position(row: FoldRow) -> int:
    return int(row[0])
