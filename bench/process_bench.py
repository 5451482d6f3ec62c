"""Figures for the co-creation process (``process/``): prints numbers, asserts nothing.

    .venv/bin/python bench/process_bench.py [--events 20000] [--commands 300]

- fold: events/s folded into ``ProcessState`` (what a restarting instance replays);
- access: ``ProcessPolicy.access`` calls/s (the live server asks it per connection and on
  every change), against a state of 200 commitments and 500 people;
- roots: ``check_update_roots`` per typical keystroke update (µs);
- commands: p50/p99 latency of a process command on PostgreSQL, append plus read-your-writes
  (the state folded the new position through ``subscribe``), in a throw-away database
  created through ``KOKREASI_BENCH_DATABASE_URL`` (default postgresql://postgres@127.0.0.1/test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from pycrdt import Doc, Text

import events
from commitment.template import check_update_roots
from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    seal,
    utc_now,
)
from identity.access import Principal
from process import domain as d
from process.policy import ProcessPolicy
from process.runtime import ProcessRuntime
from process.service import ProcessService
from process.state import fold

ADMIN = Actor("admin", "Admin", "sek", "Sekretariat OGI", Stakeholder.SECRETARIAT)


def synthetic_log(count: int) -> list[RecordedEvent]:
    """A plan with 200 commitments, 500 people in 50 organisations, then sessions."""
    out: list[RecordedEvent] = []

    def add(stream: str, type_: str, payload: dict[str, Any]) -> None:
        out.append(seal(position=len(out) + 1, stream_id=stream, stream_version=1,
                        new=NewEvent(type_, payload, ADMIN, Context()),
                        payload_format=PayloadFormat.JSON, payload=canonical_json(payload),
                        recorded_at=utc_now(), prev_hash=GENESIS_HASH))

    add("plan:p", d.PLAN_CREATED, {"plan_id": "p", "title": "RAN", "stage": "draft1"})
    for g in range(10):
        add(f"wg:{g}", d.WORKING_GROUP_CREATED, {"working_group_id": f"g{g}", "plan_id": "p",
                                                 "theme": f"Tema {g}"})
    for o in range(50):
        add(f"org:{o}", d.ORGANISATION_REGISTERED, {"org_id": f"o{o}", "name": f"Org {o}",
                                                    "stakeholder": "cso" if o % 2 else "kldi"})
        add(f"wg:{o % 10}", d.WORKING_GROUP_MEMBER_ADDED, {
            "working_group_id": f"g{o % 10}", "org_id": f"o{o}", "criteria": {"focus": "x"}})
    for p in range(500):
        add(f"person:{p}", d.PERSON_INVITED, {"person_id": f"u{p}", "name": f"P {p}",
                                              "org_id": f"o{p % 50}", "invitation_id": "i"})
    for c in range(200):
        add("plan:p", d.COMMITMENT_CREATED, {
            "commitment_id": f"c{c}", "plan_id": "p", "working_group_id": f"g{c % 10}",
            "number": str(c + 1), "title": f"Komitmen {c}", "document_id": f"doc{c}"})
    s = 0
    while len(out) < count:
        add(f"session:{s}", d.SESSION_OPENED, {"session_id": f"s{s}", "plan_id": "p",
                                               "method": "TC", "date": "2024-03-12",
                                               "title": "TC"})
        add(f"session:{s}", d.SESSION_ATTENDANCE_RECORDED, {"session_id": f"s{s}",
                                                            "org_ids": [f"o{s % 50}"]})
        add(f"session:{s}", d.SESSION_CLOSED, {"session_id": f"s{s}"})
        s += 1
    return out


def bench_fold(count: int) -> None:
    log = synthetic_log(count)
    started = time.perf_counter()
    fold(log)
    elapsed = time.perf_counter() - started
    print(f"fold      {len(log) / elapsed:12,.0f} events/s  ({len(log)} events)")


async def bench_access() -> None:
    runtime = ProcessRuntime(lambda: None)  # type: ignore[arg-type,return-value]
    runtime.state = fold(synthetic_log(1000))
    runtime._task = asyncio.create_task(asyncio.sleep(3600))  # already "following"
    policy = ProcessPolicy(runtime)
    principals = [Principal(Actor(f"u{p}", "", "", "", Stakeholder.CSO)) for p in range(500)]
    calls = 20_000
    started = time.perf_counter()
    for i in range(calls):
        await policy.access(principals[i % 500], f"doc{i % 200}")
    elapsed = time.perf_counter() - started
    runtime._task.cancel()
    print(f"access    {calls / elapsed:12,.0f} calls/s")


def bench_roots() -> None:
    author: Doc[Any] = Doc()
    title = author.get("title", type=Text)
    title.insert(0, "Data kesejahteraan sosial " * 50)
    updates = []
    for i in range(2000):
        state = author.get_state()
        title.insert(i % 100, "a")
        updates.append(author.get_update(state))
    started = time.perf_counter()
    for update in updates:
        assert check_update_roots(None, update) is None
    elapsed = time.perf_counter() - started
    print(f"roots     {elapsed / len(updates) * 1e6:12.1f} µs per keystroke update")


async def bench_commands(count: int) -> None:
    admin_url = os.environ.get("KOKREASI_BENCH_DATABASE_URL",
                               "postgresql://postgres@127.0.0.1:5432/test")
    name = f"kokreasi_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        store = await events.open_store(url)
        runtime = ProcessRuntime(store)
        service = ProcessService(runtime, b"bench-secret-0123456789")
        await runtime.ready()
        latencies = []
        for i in range(count):
            started = time.perf_counter()
            await service.register_organisation(ADMIN, f"Org {i}", "cso")
            latencies.append(time.perf_counter() - started)
        await runtime.close()
        await store.close()
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(f"commands  p50 {p50:.2f} ms  p99 {p99:.2f} ms  (PostgreSQL, {count} commands, "
              "append + read-your-writes)")
    finally:
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--commands", type=int, default=300)
    args = parser.parse_args()
    bench_fold(args.events)
    asyncio.run(bench_access())
    bench_roots()
    asyncio.run(bench_commands(args.commands))


if __name__ == "__main__":
    main()
