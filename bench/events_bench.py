"""Event-log benchmark: append throughput and latency, the raw floor, and replay speed.

    python bench/events_bench.py [--backend sqlite|postgres|all] [--runs 3] [--seconds 1.5]

Per backend, for 1, 16 and 128 concurrent appenders of ~100-byte ``crdt.update`` events
(each appender on its own document stream, awaiting each append before the next):
appends/s and p50/p99 latency with group commit and with one transaction per append. The raw
floor in the same run: plain INSERTs of the same rows into a table with the same columns and
indexes but no log logic, 100 rows per transaction and one row per commit. Replay: events/s
of ``read_all`` in pages of 1000 against a raw SELECT of the same rows and pages. Guarded:
128 group-committed appenders whose appends carry a ``guard`` of two streams (a plan's and
a person's, as the live server's edits do) against the unguarded ones of the same run.
Figures are medians over ``--runs`` fresh databases. PostgreSQL is reached through
``KOKREASI_BENCH_DATABASE_URL`` (an admin URL; default the local ``test`` database), where a
throw-away database is created and dropped per run; SQLite uses a temporary file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from events import open_store
from events.migrations import load
from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    Stakeholder,
    format_timestamp,
    seal,
    utc_now,
)
from events.rows import COLUMN_LIST, COLUMNS, row_values

ADMIN_URL = os.environ.get("KOKREASI_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CONCURRENCY = (1, 16, 128)
PAGE = 1000
ACTOR = Actor("p-bench", "Bench Writer", "o-bench", "Bench Org", Stakeholder.CSO)
CONTEXT = Context("ran-ogi-vii", "draft1", "tc-bench")


def payload(n: int) -> bytes:
    return n.to_bytes(8, "big") + b"\x01" * 92  # ~100 bytes, the size of a typed word


def new_event(n: int) -> NewEvent:
    return NewEvent("crdt.update", payload(n), ACTOR, CONTEXT)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- databases -------------------------------------------------------------------------------

@asynccontextmanager
async def fresh_database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kokreasi-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'events.sqlite3'}"
        return
    name = f"kokreasi_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def raw_table_sql(backend: str) -> list[str]:
    """The events table of migration 1 renamed raw_events, without triggers or the head."""
    script = load(backend)[0].sql
    table = script[script.index("CREATE TABLE events"):]
    table = table[:table.index(";") + 1].replace("CREATE TABLE events", "CREATE TABLE raw_events")
    return [table]


def raw_rows(count: int, streams: int) -> list[tuple[Any, ...]]:
    """Rows exactly as the store would write them (hashes included), without a store."""
    rows, prev, now = [], GENESIS_HASH, utc_now()
    for position in range(1, count + 1):
        event = seal(position=position, stream_id=f"doc:b{position % streams}",
                     stream_version=position // streams + 1, new=new_event(position),
                     payload_format=PayloadFormat.BINARY, payload=payload(position),
                     recorded_at=now, prev_hash=prev)
        prev = event.hash
        rows.append(row_values(event, event.recorded_at))
    return rows


# -- appends ---------------------------------------------------------------------------------

async def appenders(
    url: str, concurrency: int, group: bool, seconds: float, guarded: bool = False
) -> dict[str, float]:
    store = await open_store(url, group_commit=group)
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    try:
        await store.append("doc:warm-up", [new_event(0)])
        deadline = loop.time() + seconds

        async def writer(index: int) -> None:
            n = 0
            while loop.time() < deadline:
                started = time.perf_counter()
                guard = {"plan:bench": 0, f"person:b{index}": 0} if guarded else None
                await store.append(f"doc:b{index}", [new_event(n)], guard=guard)
                latencies.append(time.perf_counter() - started)
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(writer(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await store.close()
    return {"per_s": len(latencies) / elapsed, "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000}


# -- raw floor -------------------------------------------------------------------------------

def _sqlite_raw_inserts(path: str, rows: list[tuple[Any, ...]], per_tx: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for statement in raw_table_sql("sqlite"):
        conn.execute(statement)
    insert = f"INSERT INTO raw_events ({COLUMN_LIST}) VALUES ({', '.join('?' * len(COLUMNS))})"
    text_rows = [(*row[:15], format_timestamp(row[15]), *row[16:]) for row in rows]
    started = time.perf_counter()
    for start in range(0, len(text_rows), per_tx):
        conn.execute("BEGIN")
        conn.executemany(insert, text_rows[start:start + per_tx])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


async def raw_inserts(backend: str, url: str, rows: list[tuple[Any, ...]], per_tx: int) -> float:
    if backend == "sqlite":
        return await asyncio.to_thread(_sqlite_raw_inserts, url[len("sqlite:///"):], rows, per_tx)
    conn = await asyncpg.connect(url)
    try:
        for statement in raw_table_sql("postgres"):
            await conn.execute(statement)
        insert = f"INSERT INTO raw_events ({COLUMN_LIST}) VALUES " \
                 f"({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})"
        started = time.perf_counter()
        for start in range(0, len(rows), per_tx):
            async with conn.transaction():
                await conn.executemany(insert, rows[start:start + per_tx])
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    return len(rows) / elapsed


# -- replay ----------------------------------------------------------------------------------

def _sqlite_raw_select(path: str) -> int:
    conn = sqlite3.connect(path)
    count, after = 0, 0
    query = f"SELECT {COLUMN_LIST} FROM events WHERE position > ? ORDER BY position LIMIT ?"
    while True:
        page = conn.execute(query, (after, PAGE)).fetchall()
        if not page:
            break
        count += len(page)
        after = page[-1][0]
    conn.close()
    return count


async def _raw_select_rate(backend: str, url: str) -> float:
    started = time.perf_counter()
    if backend == "sqlite":
        count = await asyncio.to_thread(_sqlite_raw_select, url[len("sqlite:///"):])
    else:
        conn = await asyncpg.connect(url)
        try:
            count, after = 0, 0
            query = (f"SELECT {COLUMN_LIST} FROM events WHERE position > $1 "
                     "ORDER BY position LIMIT $2")
            while page := await conn.fetch(query, after, PAGE):
                count += len(page)
                after = page[-1][0]
        finally:
            await conn.close()
    return count / (time.perf_counter() - started)


async def _read_all_rate(store: Any) -> float:
    started, count, after = time.perf_counter(), 0, 0
    while page := await store.read_all(after_position=after, limit=PAGE):
        count += len(page)
        after = page[-1].position
    return count / (time.perf_counter() - started)


async def replay(backend: str, url: str, total: int) -> dict[str, float]:
    """Alternate raw and store passes over the same log (the first of each warms caches and
    prepares statements) and keep the median pass of each."""
    store = await open_store(url)
    try:
        for start in range(0, total, 100):
            batch = [new_event(n) for n in range(start, start + 100)]
            await store.append(f"doc:r{start % 50}", batch)
        raw_rates, store_rates = [], []
        for _ in range(4):
            raw_rates.append(await _raw_select_rate(backend, url))
            store_rates.append(await _read_all_rate(store))
    finally:
        await store.close()
    return {"read_all_per_s": statistics.median(store_rates[1:]),
            "raw_select_per_s": statistics.median(raw_rates[1:])}


# -- driver ----------------------------------------------------------------------------------

def median_of(results: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


async def one_round(backend: str, seconds: float, replay_events: int) -> dict[str, float]:
    """Every measurement once, each in a fresh database; rounds interleave the cases so that
    noise from a shared machine falls on all of them alike."""
    figures: dict[str, float] = {}
    for concurrency in CONCURRENCY:
        for group in (True, False):
            async with fresh_database(backend) as url:
                result = await appenders(url, concurrency, group, seconds)
            for key, value in result.items():
                figures[f"{concurrency}/{group}/{key}"] = value
            if concurrency == CONCURRENCY[-1] and group:  # right after its baseline
                async with fresh_database(backend) as url:
                    result = await appenders(url, concurrency, group, seconds, guarded=True)
                figures.update({f"guarded/{key}": value for key, value in result.items()})
    # As many rows as the 128-appender group commit run wrote: maintaining the index of
    # random event ids costs more as the table grows.
    written = int(figures[f"{CONCURRENCY[-1]}/True/per_s"] * seconds)
    rows = raw_rows(max(10_000, written), 128)
    async with fresh_database(backend) as url:
        figures["raw_batched"] = await raw_inserts(backend, url, rows, 100)
    async with fresh_database(backend) as url:
        figures["raw_single"] = await raw_inserts(backend, url, rows[:300], 1)
    async with fresh_database(backend) as url:
        figures.update(await replay(backend, url, replay_events))
    return figures


async def bench_backend(backend: str, runs: int, seconds: float, replay_events: int) -> None:
    print(f"\n== {backend} (medians of {runs} runs, {seconds:g} s each) ==")
    medians = median_of([await one_round(backend, seconds, replay_events) for _ in range(runs)])
    figures = {
        (concurrency, group): {key: medians[f"{concurrency}/{group}/{key}"]
                               for key in ("per_s", "p50_ms", "p99_ms")}
        for concurrency in CONCURRENCY for group in (True, False)
    }
    batched, single = medians["raw_batched"], medians["raw_single"]
    replays = medians

    print(f"{'appenders':>9} {'mode':<14} {'appends/s':>10} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'vs 1 tx/append':>15} {'vs raw batched':>15}")
    for concurrency in CONCURRENCY:
        base = figures[concurrency, False]["per_s"]
        for group in (True, False):
            f = figures[concurrency, group]
            print(f"{concurrency:>9} {'group commit' if group else '1 tx/append':<14} "
                  f"{f['per_s']:>10.0f} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f} "
                  f"{f['per_s'] / base:>14.1f}x {f['per_s'] / batched:>14.2f}x")
    print(f"raw floor: {batched:.0f} rows/s batched (100 per transaction), "
          f"{single:.0f} rows/s one row per commit")
    print(f"replay: read_all {replays['read_all_per_s']:.0f} events/s, raw SELECT "
          f"{replays['raw_select_per_s']:.0f} rows/s "
          f"({replays['read_all_per_s'] / replays['raw_select_per_s']:.2f}x)")
    top, baseline = figures[CONCURRENCY[-1], True], figures[CONCURRENCY[-1], False]
    print(f"guarded (plan + person streams) at {CONCURRENCY[-1]}: "
          f"{medians['guarded/per_s']:.0f} appends/s, p50/p99 {medians['guarded/p50_ms']:.2f}/"
          f"{medians['guarded/p99_ms']:.2f} ms ({medians['guarded/per_s'] / top['per_s']:.2f}x "
          "unguarded)")
    checks = {
        "group >= 8x one tx/append at 128": top["per_s"] >= 8 * baseline["per_s"],
        "group >= 0.5x raw batched at 128": top["per_s"] >= 0.5 * batched,
        "p99 < 10 ms at 128 (group)": top["p99_ms"] < 10,
        "read_all >= 0.5x raw SELECT":
            replays["read_all_per_s"] >= 0.5 * replays["raw_select_per_s"],
    }
    for name, met in checks.items():
        print(f"target {'met' if met else 'MISSED'}: {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.5, help="length of each append run")
    parser.add_argument("--replay-events", type=int, default=20_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    for backend in backends:
        asyncio.run(bench_backend(backend, args.runs, args.seconds, args.replay_events))


if __name__ == "__main__":
    main()
