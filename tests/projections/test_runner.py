"""The runner: rebuild equals incremental folding, exactly-once under a crash, live follow."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import scenario
from projection_helpers import ANI, BUDI, Writer, publish
from pycrdt import Text, XmlFragment

import events
from events.store import EventStore
from projections import documents
from projections.runner import ProjectionRunner
from projections.service import ProjectionService
from projections.storage import PROJECTION_TABLES, Storage


async def dump(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    for table in PROJECTION_TABLES:
        rows = await storage.fetch(f"SELECT * FROM {table}")
        tables[table] = sorted(
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows
        )
    return tables


async def edits_in_log(store: EventStore) -> int:
    return sum(event.type == "crdt.update" for event in await store.read_all())


async def test_rebuild_from_scratch_produces_exactly_the_stored_projections(
    store: EventStore, storage: Storage
) -> None:
    writers = await scenario.build(store)
    # Folded a few events at a time while the log grew...
    runner = ProjectionRunner(store, storage, batch_size=3)
    await runner.load()
    await runner.catch_up()
    for word in (" Satu", " dua"):
        text = scenario.problem_text(writers["ani"])
        text.insert(len(text), word)
        await publish(store, writers["ani"], "c1")
        await runner.catch_up()
    incremental = await dump(storage)
    assert sum(row[11] for row in incremental["contribution"]) == await edits_in_log(store)
    # ...is exactly what one fold from position 0 stores.
    await ProjectionRunner(store, storage).rebuild()
    assert await dump(storage) == incremental


async def test_a_crash_between_rows_and_checkpoint_applies_nothing_twice(
    store: EventStore, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stored states by size too: where they fall must survive the restarts as well.
    monkeypatch.setattr(documents, "CHECKPOINT_BYTES", 60)
    await scenario.build(store)
    crashes = iter([True, False, False, True])

    def crash_maybe() -> None:
        if next(crashes, False):
            raise RuntimeError("power cut inside the transaction")

    runner = ProjectionRunner(store, storage, batch_size=4, before_checkpoint=crash_maybe)
    for _ in range(10):  # restart after every crash, as the service does
        try:
            await runner.load()
            await runner.catch_up()
            break
        except RuntimeError:
            continue
    crashed = await dump(storage)
    await ProjectionRunner(store, storage).rebuild()
    clean = await dump(storage)
    assert clean["doc_checkpoint"]
    assert crashed == clean
    totals = await storage.fetch("SELECT SUM(edits) FROM contribution")
    assert totals == [(await edits_in_log(store),)]


async def test_after_a_crash_the_runner_refuses_to_write_until_reloaded(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)

    def crash() -> None:
        raise RuntimeError("crash")

    runner = ProjectionRunner(store, storage, before_checkpoint=crash)
    await runner.load()
    with pytest.raises(RuntimeError, match="crash"):
        await runner.catch_up()
    with pytest.raises(RuntimeError, match="load"):
        await runner.catch_up()
    assert await storage.fetch("SELECT COUNT(*) FROM contribution") == [(0,)]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_projection_follows_live_appends_from_two_instances(
    database_url: str, store: EventStore
) -> None:
    second = await events.open_store(database_url)
    service = await ProjectionService.start(database_url, store)
    try:
        ani, budi = Writer(ANI, 1), Writer(BUDI, 2)
        ani.doc.get("title", type=Text).insert(0, "dari instans satu")
        budi.doc.get("title", type=Text).insert(0, "dari instans dua")
        [first] = await publish(store, ani, "c1")
        [last] = await publish(second, budi, "c1")
        async with asyncio.timeout(10):
            await service.wait_until(max(first, last))
        rows = await service.storage.fetch(
            "SELECT person_id, edits FROM contribution ORDER BY first_position"
        )
        assert rows == [("p-ani", 1), ("p-budi", 1)]
    finally:
        await service.close()
        await second.close()


async def test_two_runners_on_one_database_store_each_event_once(
    database_url: str, store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    one = ProjectionRunner(store, storage, batch_size=2)
    other_storage_runner = ProjectionRunner(store, storage, batch_size=5)
    await one.load()
    await other_storage_runner.load()
    await asyncio.gather(one.follow_until_head(), other_storage_runner.follow_until_head())
    both = await dump(storage)
    await ProjectionRunner(store, storage).rebuild()
    assert both == await dump(storage)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_one_instance_writes_the_projections_and_another_takes_over(
    database_url: str, store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.service.LEADER_RETRY", 0.05)
    first = await ProjectionService.start(database_url, store)
    second_store = await events.open_store(database_url)
    second = await ProjectionService.start(database_url, second_store)
    try:
        ani = Writer(ANI, 1)
        ani.doc.get("title", type=Text).insert(0, "satu")
        [one] = await publish(store, ani, "c1")
        async with asyncio.timeout(10):
            await first.wait_until(one)
        assert second.runner.position == 0  # it reads the tables; it does not write them
        await first.close()
        ani.doc.get("title", type=Text).insert(4, " dua")
        [two] = await publish(second_store, ani, "c1")
        async with asyncio.timeout(10):
            await second.wait_until(two)
        rows = await second.storage.fetch(
            "SELECT edits, first_position, last_position FROM contribution"
        )
        assert rows == [(2, one, two)]
    finally:
        await second.close()
        await second_store.close()


async def test_a_large_documents_row_names_its_checkpoint_and_a_restart_refolds_the_tail(
    store: EventStore, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.latest import latest_state
    from projections.replay import document_at

    # Small thresholds stand for megabytes: every document here is "large".
    monkeypatch.setattr(documents, "CHECKPOINT_BYTES", 60)
    monkeypatch.setattr(documents, "INLINE_STATE_BYTES", 100)
    writers = await scenario.build(store)
    runner = ProjectionRunner(store, storage, batch_size=3)
    await runner.load()
    await runner.catch_up()
    for word in (" Satu", " dua", " tiga"):
        text = scenario.problem_text(writers["ani"])
        text.insert(len(text), word)
        await publish(store, writers["ani"], "c1")
        runner = ProjectionRunner(store, storage, batch_size=2)  # a restart each time
        await runner.load()
        await runner.catch_up()
    stored = await storage.fetch("SELECT length(state) FROM doc_state WHERE document_id = 'c1'")
    assert stored == [(0,)]  # no copy of its own: its checkpoint and the log stand for it
    latest = await latest_state(storage, "c1")
    assert latest is not None and latest.stream_version > 0
    incremental = await dump(storage)
    assert sum(row[11] for row in incremental["contribution"]) == await edits_in_log(store)
    await ProjectionRunner(store, storage).rebuild()
    assert await dump(storage) == incremental
    now = await document_at(storage, store, "c1")
    assert now.state() == (await document_at(storage, store, "c1", now.position)).state()
    assert " Satu dua tiga" in str(now.doc.get("problem", type=XmlFragment))
