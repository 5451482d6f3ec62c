"""A database that is missing or goes away: StoreUnavailable, nothing half-written, and the
process keeps running."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from eventlog_helpers import update

import events
from events import StoreUnavailable

T = TypeVar("T")


async def test_postgres_on_a_closed_port_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="PostgreSQL"):
        await events.open_store("postgresql://postgres@127.0.0.1:1/kokreasi")


async def test_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-directory").mkdir()
    with pytest.raises(StoreUnavailable, match="SQLite"):
        await events.open_store(f"sqlite:///{tmp_path / 'a-directory'}")


async def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(StoreUnavailable, match="neither"):
        await events.open_store("mysql://localhost/kokreasi")


async def _terminate_connections(own_postgres_url: str) -> None:
    base, database = own_postgres_url.rsplit("/", 1)
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """What a client does after StoreUnavailable: try again (the pool reconnects)."""
    for _ in range(50):
        try:
            return await attempt()
        except StoreUnavailable:
            await asyncio.sleep(0.05)
    return await attempt()


async def test_connections_killed_mid_append_lose_nothing(own_postgres_url: str) -> None:
    """Connections die while appends are in flight: each caller gets positions or
    StoreUnavailable; retrying the failed ones with the same events stores each once."""
    store = await events.open_store(own_postgres_url)
    try:
        batches = {n: [update(n)] for n in range(40)}
        appends = [asyncio.create_task(store.append(f"doc:d{n}", batch))
                   for n, batch in batches.items()]
        await asyncio.sleep(0.005)
        await _terminate_connections(own_postgres_url)
        results = await asyncio.gather(*appends, return_exceptions=True)
        assert all(isinstance(r, list | StoreUnavailable) for r in results), results
        for n, result in enumerate(results):
            retried = await _retrying(functools.partial(store.append, f"doc:d{n}", batches[n]))
            if isinstance(result, list):
                assert retried == result
        log = await _retrying(store.read_all)
        assert [e.position for e in log] == list(range(1, 41))
        assert sorted(e.event_id for e in log) == sorted(b[0].event_id for b in batches.values())
        assert (await _retrying(store.verify)).ok
    finally:
        await store.close()


async def test_a_database_that_went_away_is_unavailable(own_postgres_url: str) -> None:
    store = await events.open_store(own_postgres_url)
    try:
        await store.append("doc:a", [update(1)])
        base, database = own_postgres_url.rsplit("/", 1)
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        finally:
            await admin.close()
        for _ in range(3):  # again and again: the store neither hangs nor crashes
            with pytest.raises(StoreUnavailable):
                await store.append("doc:a", [update(2)])
            with pytest.raises(StoreUnavailable):
                await store.read_all()
            with pytest.raises(StoreUnavailable):
                await store.head()
    finally:
        await store.close()


async def test_a_subscriber_survives_losing_its_connections(own_postgres_url: str) -> None:
    """LISTEN/NOTIFY is only a wake-up: with the listening connection killed, a subscriber
    still gets every event, once, by reading by position."""
    reader = await events.open_store(own_postgres_url)
    writer = await events.open_store(own_postgres_url)
    received: list[int] = []
    two_received = asyncio.Event()

    async def follow() -> None:
        async for event in reader.subscribe():
            received.append(event.position)
            if len(received) == 2:
                two_received.set()
            if len(received) == 4:
                return

    try:
        following = asyncio.create_task(follow())
        await writer.append("doc:a", [update(1), update(2)])
        await asyncio.wait_for(two_received.wait(), 10)
        await _terminate_connections(own_postgres_url)
        for n in (3, 4):
            await _retrying(functools.partial(writer.append, "doc:a", [update(n)]))
        await asyncio.wait_for(following, 10)
        assert received == [1, 2, 3, 4]
    finally:
        await writer.close()
        await reader.close()
