"""Group commit: concurrent appends share transactions, yet each caller gets its own result."""

from __future__ import annotations

import asyncio

import pytest
from eventlog_helpers import RawDatabase, update

import events
from events import ConcurrencyError, IdempotencyError, StoreUnavailable
from events.store import EventStore


async def test_concurrent_appends_share_transactions(store: EventStore) -> None:
    results = await asyncio.gather(*(store.append(f"doc:d{n}", [update(n)]) for n in range(60)))
    assert sorted(p for positions in results for p in positions) == list(range(1, 61))
    # One transaction stamps all its events with one recorded_at: fewer stamps, fewer commits.
    stamps = {event.recorded_at for event in await store.read_all()}
    assert len(stamps) <= 10


async def test_one_transaction_per_append_without_group_commit(database_url: str) -> None:
    store = await events.open_store(database_url, group_commit=False)
    try:
        results = await asyncio.gather(*(store.append(f"doc:d{n}", [update(n)])
                                         for n in range(20)))
        assert sorted(p for positions in results for p in positions) == list(range(1, 21))
        assert len({event.recorded_at for event in await store.read_all()}) == 20
    finally:
        await store.close()


async def test_a_failing_append_fails_only_its_caller(store: EventStore) -> None:
    await store.append("doc:taken", [update(0, event_id="taken")])
    good = [store.append(f"doc:g{n}", [update(n)]) for n in range(20)]
    stale = store.append("doc:taken", [update(1)], expected_version=5)
    reused = store.append("doc:other", [update(0, event_id="taken")])
    results = await asyncio.gather(stale, *good, reused, return_exceptions=True)
    assert isinstance(results[0], ConcurrencyError)
    assert isinstance(results[-1], IdempotencyError)
    positions = sorted(p for r in results[1:-1] for p in r)  # type: ignore[union-attr]
    assert positions == list(range(2, 22))
    assert len({e.recorded_at for e in await store.read_all(after_position=1)}) < 20
    assert (await store.verify()).ok


async def test_a_database_failure_fails_every_caller_of_the_batch(
    store: EventStore, raw: RawDatabase
) -> None:
    await store.append("doc:a", [update(0)])
    first = (await store.read_all())[0]
    # A row slipped in behind the store's back: the next commit collides with it.
    await raw.tamper(raw.event_row(first, position=2, prev_hash=first.hash))
    results = await asyncio.gather(*(store.append(f"doc:d{n}", [update(n)]) for n in range(10)),
                                   return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) for r in results)
    # The process and the store keep running; what was committed is still readable.
    assert [e.position for e in await store.read_all()] == [1, 2]
    assert (await store.head()).position == 1


async def test_close_commits_appends_already_submitted(database_url: str) -> None:
    store = await events.open_store(database_url)
    appends = [asyncio.create_task(store.append(f"doc:d{n}", [update(n)])) for n in range(30)]
    await asyncio.sleep(0)
    await store.close()
    results = await asyncio.gather(*appends)
    assert sorted(p for positions in results for p in positions) == list(range(1, 31))
    with pytest.raises(StoreUnavailable):
        await store.append("doc:late", [update(0)])
    reopened = await events.open_store(database_url)
    try:
        assert (await reopened.head()).position == 30
    finally:
        await reopened.close()


async def test_group_commit_wait_is_configurable(database_url: str) -> None:
    store = await events.open_store(database_url, group_commit_wait_ms=0)
    try:
        results = await asyncio.gather(*(store.append("doc:a", [update(n)]) for n in range(10)))
        assert sorted(p for r in results for p in r) == list(range(1, 11))
    finally:
        await store.close()
