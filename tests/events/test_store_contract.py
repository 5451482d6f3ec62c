"""The promises of the event log, shown on every backend (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eventlog_helpers import ALICE, BUDI, CONTEXT, RawDatabase, update

import events
from events import (
    NO_STREAM,
    ConcurrencyError,
    GuardFailed,
    IdempotencyError,
    InvalidEventError,
    NewEvent,
    PayloadTooLarge,
)
from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    format_timestamp,
    record_hash,
)
from events.rows import FOLD_COLUMNS, fold_row, time_text, who_values
from events.store import EventStore, Head


async def test_empty_log(store: EventStore) -> None:
    assert await store.head() == Head(0, GENESIS_HASH)
    assert await store.stream_version("doc:nothing") == 0
    assert await store.read_all() == []
    assert await store.read_stream("doc:nothing") == []
    assert (await store.verify()).ok


async def test_append_records_every_field(store: EventStore) -> None:
    before = datetime.now(UTC)
    first = update(1)
    json_event = NewEvent("plan.renamed", {"title": "RAN OGI VII", "b": [1, 2]}, BUDI)
    events.catalog.register("plan.renamed")
    assert await store.append("doc:abc", [first]) == [1]
    assert await store.append("plan:ran-ogi-vii", [json_event]) == [2]
    after = datetime.now(UTC)

    one, two = await store.read_all()
    assert (one.position, one.stream_id, one.stream_version) == (1, "doc:abc", 1)
    assert (one.event_id, one.type, one.payload) == (first.event_id, "crdt.update", first.payload)
    assert one.payload_format is PayloadFormat.BINARY
    assert (one.actor, one.context) == (ALICE, CONTEXT)
    assert one.prev_hash == GENESIS_HASH and one.hash == record_hash(one)
    assert one == dataclasses.replace(one) and hash(one) == hash(dataclasses.replace(one))
    assert one.recorded_at.tzinfo is not None and one.recorded_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= one.recorded_at <= after + timedelta(seconds=1)

    assert two.payload_format is PayloadFormat.JSON
    assert two.payload == canonical_json({"b": [1, 2], "title": "RAN OGI VII"})
    assert two.json_payload() == {"title": "RAN OGI VII", "b": [1, 2]}
    assert (two.stream_id, two.stream_version, two.actor) == ("plan:ran-ogi-vii", 1, BUDI)
    assert two.prev_hash == one.hash and two.hash == record_hash(two)
    assert await store.head() == Head(2, two.hash)


async def test_recorded_at_keeps_microseconds(store: EventStore) -> None:
    await store.append("doc:abc", [update(n) for n in range(3)])
    for event in await store.read_all():
        # The hash covers recorded_at to the microsecond: the read value must re-hash.
        assert event.hash == record_hash(event)
    stamps = {event.recorded_at.microsecond for event in await store.read_all()}
    assert stamps != {0}


async def test_reads_by_stream_and_by_position(store: EventStore) -> None:
    for n in range(5):
        await store.append("doc:a", [update(n)])
        await store.append("doc:b", [update(n)])
    stream = await store.read_stream("doc:a", after_version=2, limit=2)
    assert [(e.stream_id, e.stream_version, e.position) for e in stream] == [
        ("doc:a", 3, 5), ("doc:a", 4, 7)
    ]
    assert [e.position for e in await store.read_all(after_position=7)] == [8, 9, 10]
    assert [e.position for e in await store.read_all(after_position=2, limit=3)] == [3, 4, 5]
    assert await store.stream_version("doc:a") == 5
    assert [e.stream_version for e in await store.read_stream("doc:b")] == [1, 2, 3, 4, 5]


async def test_rows_for_folds_hold_what_the_events_hold(store: EventStore) -> None:
    events.catalog.register("plan.renamed")
    await store.append("plan:p", [NewEvent("plan.renamed", {"title": "RAN"}, BUDI,
                                           Context("p", "draft1", "s-1"))])
    for n in range(3):
        await store.append("doc:a", [update(n)])

    def readable(row: tuple[object, ...]) -> dict[str, object]:
        fields = dict(zip(FOLD_COLUMNS, row, strict=True))
        return {**fields, "who": list(who_values(fields["who"])),
                "recorded_at": time_text(fields["recorded_at"])}

    rows = await store.read_rows(after_position=1, limit=2)
    expected = [fold_row(e) for e in await store.read_all(after_position=1, limit=2)]
    assert [readable(r) for r in rows] == [readable(r) for r in expected]
    assert [r[0] for r in rows] == [2, 3]
    (first,) = await store.read_rows(limit=1)
    event = (await store.read_all(limit=1))[0]
    assert readable(first) == {
        "position": 1, "stream_id": "plan:p", "stream_version": 1, "type": "plan.renamed",
        "payload": canonical_json({"title": "RAN"}),
        "who": [BUDI.person_id, BUDI.name, BUDI.org_id, BUDI.org_name,
                BUDI.stakeholder.value, "p", "draft1", "s-1"],
        "recorded_at": format_timestamp(event.recorded_at),
    }
    assert await store.read_rows(after_position=4) == []


async def test_a_stream_read_up_to_a_position_as_rows(store: EventStore) -> None:
    for n in range(4):
        await store.append("doc:a", [update(n)])
        await store.append("doc:b", [update(n)])
    rows = await store.read_stream_rows("doc:a", after_version=1, until_position=6)
    assert [(r[0], r[1], r[2]) for r in rows] == [(3, "doc:a", 2), (5, "doc:a", 3)]
    assert [r[2] for r in await store.read_stream_rows("doc:b", limit=2)] == [1, 2]
    assert [r[2] for r in await store.read_stream_rows("doc:b", after_version=2)] == [3, 4]
    without_who = await store.read_stream_rows("doc:a", who_after=5)
    assert [(r[0], r[5] is None) for r in without_who] == [(1, True), (3, True), (5, True),
                                                          (7, False)]
    everything = await store.read_stream_rows("doc:a")
    expected = [fold_row(e) for e in await store.read_stream("doc:a")]
    assert [(r[:5], who_values(r[5]), time_text(r[6])) for r in everything] == [
        (r[:5], who_values(r[5]), time_text(r[6])) for r in expected
    ]
    assert who_values(everything[0][5]) == (
        ALICE.person_id, ALICE.name, ALICE.org_id, ALICE.org_name, ALICE.stakeholder.value,
        CONTEXT.plan_id, CONTEXT.stage, CONTEXT.session_id,
    )


async def test_a_stream_read_by_who_and_where(store: EventStore) -> None:
    plenary = Context("ran-ogi-vii", "draft2", "pc-1")
    await store.append("doc:a", [update(0)])  # Alice, draft1, tc-12-march
    await store.append("doc:a", [update(1, actor=BUDI)])
    await store.append("doc:b", [update(2, actor=BUDI)])
    await store.append("doc:a", [NewEvent("crdt.update", b"\x00\x00", BUDI, plenary)])
    by_budi = await store.read_stream_matching("doc:a", {"actor_person_id": BUDI.person_id})
    assert [e.position for e in by_budi] == [2, 4]
    in_plenary = await store.read_stream_matching(
        "doc:a", {"actor_org_id": BUDI.org_id, "stage": "draft2", "session_id": "pc-1"}
    )
    assert [(e.position, e.actor) for e in in_plenary] == [(4, BUDI)]
    assert [e.position for e in await store.read_stream_matching(
        "doc:a", {"actor_stakeholder": "cso"})] == [1]
    assert [e.position for e in await store.read_stream_matching(
        "doc:a", {}, after_position=1, limit=1)] == [2]
    with pytest.raises(ValueError, match="cannot select events by"):
        await store.read_stream_matching("doc:a", {"payload": "x"})


async def test_the_position_of_a_stream_at_a_time(store: EventStore) -> None:
    await store.append("doc:a", [update(0)])
    first = (await store.read_all())[-1]
    await asyncio.sleep(0.01)
    await store.append("doc:b", [update(1)])
    await store.append("doc:a", [update(2)])
    last = (await store.read_all())[-1]
    assert await store.stream_position_at("doc:a", first.recorded_at) == 1
    assert await store.stream_position_at("doc:a", last.recorded_at) == 3
    assert await store.stream_position_at("doc:a", first.recorded_at - timedelta(days=1)) == 0
    assert await store.stream_position_at("doc:c", last.recorded_at) == 0


async def test_stale_expected_version_writes_nothing(store: EventStore) -> None:
    await store.append("doc:a", [update(1), update(2)], expected_version=NO_STREAM)
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("doc:a", [update(3)], expected_version=1)
    assert (raised.value.expected, raised.value.actual) == (1, 2)
    with pytest.raises(ConcurrencyError):
        await store.append("doc:a", [update(3)], expected_version=NO_STREAM)
    assert (await store.head()).position == 2
    assert await store.append("doc:a", [update(3)], expected_version=2) == [3]
    assert await store.append("doc:a", [update(4)], expected_version=None) == [4]


@pytest.mark.parametrize("group_commit", [True, False])
async def test_one_of_concurrent_appends_at_one_version_wins(
    database_url: str, group_commit: bool
) -> None:
    stores = [await events.open_store(database_url, group_commit=group_commit) for _ in range(3)]
    try:
        await stores[0].append("doc:a", [update(0)])
        results = await asyncio.gather(
            *(stores[n % 3].append("doc:a", [update(n)], expected_version=1) for n in range(12)),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, list)]
        losers = [r for r in results if isinstance(r, ConcurrencyError)]
        assert len(winners) == 1 and len(losers) == 11
        assert await stores[1].stream_version("doc:a") == 2
        assert (await stores[2].head()).position == 2
        # NO_STREAM: of concurrent creators of one stream, exactly one creates it.
        created = await asyncio.gather(
            *(stores[n % 3].append("doc:new", [update(n)], expected_version=NO_STREAM)
              for n in range(12)),
            return_exceptions=True,
        )
        assert sum(isinstance(r, list) for r in created) == 1
        assert sum(isinstance(r, ConcurrencyError) for r in created) == 11
        assert await stores[0].stream_version("doc:new") == 1
    finally:
        for store in stores:
            await store.close()


async def test_a_guarded_append_lands_only_while_its_guard_streams_hold(
    store: EventStore,
) -> None:
    """``guard``: other streams an append depends on (e.g. the plan whose stage let an edit
    in) must still be at these versions when it commits, checked under the head lock."""
    await store.append("plan:p", [update(1)])
    assert await store.append("doc:a", [update(2)], guard={"plan:p": 1, "person:x": 0}) == [2]
    await store.append("plan:p", [update(3)])  # e.g. the stage advanced
    with pytest.raises(GuardFailed) as raised:
        await store.append("doc:a", [update(4)], expected_version=1, guard={"plan:p": 1})
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (
        "plan:p", 1, 2)
    assert await store.stream_version("doc:a") == 1 and (await store.head()).position == 3
    with pytest.raises(InvalidEventError):
        await store.append("doc:a", [update(4)], guard={"no stream": 0})


@pytest.mark.parametrize("group_commit", [True, False])
async def test_a_guard_sees_an_earlier_append_of_the_same_batch_and_other_stores(
    database_url: str, group_commit: bool
) -> None:
    first = await events.open_store(database_url, group_commit=group_commit)
    second = await events.open_store(database_url, group_commit=group_commit)
    try:
        await first.append("plan:p", [update(0)])
        moved, guarded = await asyncio.gather(
            first.append("plan:p", [update(1)], expected_version=1),
            first.append("doc:a", [update(2)], guard={"plan:p": 1}),
            return_exceptions=True,
        )
        assert isinstance(moved, list)
        if group_commit:  # one batch, in arrival order: the guard sees the move before it
            assert isinstance(guarded, GuardFailed)
        else:  # whichever took the head lock first
            assert isinstance(guarded, GuardFailed) or guarded[0] < moved[0]
        await second.append("plan:p", [update(3)])
        with pytest.raises(GuardFailed):
            await first.append("doc:a", [update(4)], guard={"plan:p": 2})
        assert await first.append("doc:a", [update(4)], guard={"plan:p": 3}) == [4]
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (NewEvent("no.such.type", {}, ALICE), InvalidEventError),
        (NewEvent("crdt.update", {"not": "bytes"}, ALICE), InvalidEventError),
        (NewEvent("crdt.update", b"x" * (1024 * 1024 + 1), ALICE), PayloadTooLarge),
    ],
)
async def test_a_batch_is_stored_whole_or_not_at_all(
    store: EventStore, bad: NewEvent, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await store.append("doc:a", [update(1), update(2), bad, update(4)])
    assert await store.read_all() == []
    assert await store.stream_version("doc:a") == 0
    assert await store.append("doc:a", [update(1)]) == [1]


async def test_resending_an_append_returns_its_original_positions(store: EventStore) -> None:
    batch = [update(1), update(2)]
    assert await store.append("doc:a", batch, expected_version=NO_STREAM) == [1, 2]
    await store.append("doc:b", [update(3)])
    # A retry after a lost reply: same ids, even with the now-stale expected version.
    assert await store.append("doc:a", batch, expected_version=NO_STREAM) == [1, 2]
    assert await store.append("doc:a", batch) == [1, 2]
    assert (await store.head()).position == 3
    assert await store.stream_version("doc:a") == 2


async def test_concurrent_resends_store_once(store: EventStore) -> None:
    batch = [update(1), update(2)]
    results = await asyncio.gather(*(store.append("doc:a", batch) for _ in range(8)))
    assert results == [[1, 2]] * 8
    assert (await store.head()).position == 2


async def test_reusing_an_event_id_for_another_event_is_refused(store: EventStore) -> None:
    original = update(1, event_id="evt-1")
    await store.append("doc:a", [original])
    events.catalog.register("plan.renamed")
    attempts: list[tuple[str, list[NewEvent]]] = [
        ("doc:b", [original]),  # another stream
        ("doc:a", [update(2, event_id="evt-1")]),  # another payload
        ("doc:a", [NewEvent("plan.renamed", {"x": 1}, ALICE, event_id="evt-1")]),  # another type
        ("doc:a", [original, update(3)]),  # part of a bigger append
    ]
    for other_stream, batch in attempts:
        with pytest.raises(IdempotencyError):
            await store.append(other_stream, batch)
    assert (await store.head()).position == 1


async def test_malformed_stream_ids_are_refused(store: EventStore) -> None:
    for stream_id in ["", "doc", "Doc:abc", "doc:", "doc:a b", "doc:ä", "x" * 300, ":abc", 7]:
        with pytest.raises(InvalidEventError, match="stream id"):
            await store.append(stream_id, [update(1)])  # type: ignore[arg-type]
    assert await store.read_all() == []


async def test_wrong_payload_kinds_are_refused(store: EventStore) -> None:
    events.catalog.register("plan.renamed")
    deeply_nested: list[object] = []
    for _ in range(100_000):
        deeply_nested = [deeply_nested]
    for bad in [
        NewEvent("crdt.update", "text, not bytes", ALICE),
        NewEvent("plan.renamed", b"bytes, not JSON", ALICE),
        NewEvent("plan.renamed", {"nan": float("nan")}, ALICE),
        NewEvent("plan.renamed", {"set": {1, 2}}, ALICE),
        NewEvent("plan.renamed", {"text": "lone \ud800 surrogate"}, ALICE),
        NewEvent("plan.renamed", deeply_nested, ALICE),
    ]:
        with pytest.raises(InvalidEventError):
            await store.append("plan:p", [bad])
    with pytest.raises(InvalidEventError):
        await store.append("doc:a", [update(1), update(2, event_id="same"),
                                     update(3, event_id="same")])
    assert await store.read_all() == []


async def test_payload_limit_is_configurable(database_url: str) -> None:
    store = await events.open_store(database_url, max_payload=100)
    try:
        assert await store.append("doc:a", [update(1)]) == [1]  # exactly 100 bytes
        with pytest.raises(PayloadTooLarge) as raised:
            await store.append("doc:a", [NewEvent("crdt.update", b"x" * 101, ALICE)])
        assert (raised.value.size, raised.value.limit) == (101, 100)
    finally:
        await store.close()


async def test_concurrent_writers_and_a_tailing_reader_agree_on_one_order(
    database_url: str,
) -> None:
    """Four stores (four connections, like four server processes) append at once while a
    fifth subscribes: the reader sees every event once, in position order, with no hole."""
    writers = [await events.open_store(database_url) for _ in range(4)]
    reader = await events.open_store(database_url)
    per_writer, tasks_per_writer = 30, 3
    total = len(writers) * tasks_per_writer * per_writer
    seen: list[int] = []

    async def tail() -> None:
        async for event in reader.subscribe():
            seen.append(event.position)
            if len(seen) == total:
                return

    async def write(store: events.EventStore, name: str) -> list[int]:
        positions = []
        for n in range(per_writer):
            positions += await store.append(f"doc:{name}", [update(n)])
        return positions

    try:
        tailing = asyncio.create_task(tail())
        written = await asyncio.gather(*(
            write(store, f"w{w}-t{t}")
            for w, store in enumerate(writers) for t in range(tasks_per_writer)
        ))
        await asyncio.wait_for(tailing, 10)
        assert seen == list(range(1, total + 1))
        assert sorted(p for positions in written for p in positions) == seen
        # Positions follow commit order: within each stream, versions follow positions.
        log = await reader.read_all()
        assert [e.position for e in log] == seen
        for stream in {e.stream_id for e in log}:
            versions = [e.stream_version for e in log if e.stream_id == stream]
            assert versions == list(range(1, per_writer + 1))
        assert (await reader.verify()).ok
    finally:
        for store in [*writers, reader]:
            await store.close()


@pytest.mark.parametrize("as_rows", [False, True], ids=["events", "rows"])
async def test_subscribe_catches_up_then_follows_live(store: EventStore, as_rows: bool) -> None:
    await store.append("doc:a", [update(n) for n in range(3)])
    received: list[int] = []
    rows: list[tuple[object, ...]] = []
    caught_up = asyncio.Event()

    async def positions() -> AsyncIterator[int]:
        if as_rows:
            async for row in store.subscribe_rows(after_position=1):
                rows.append(row)
                yield row[0]
        else:
            async for event in store.subscribe(after_position=1):
                yield event.position

    async def follow() -> None:
        async for position in positions():
            received.append(position)
            if position == 3:
                caught_up.set()
            if position == 6:
                return

    task = asyncio.create_task(follow())
    await asyncio.wait_for(caught_up.wait(), 5)
    assert received == [2, 3]
    await store.append("doc:a", [update(3)])
    await store.append("doc:b", [update(4), update(5)])
    await asyncio.wait_for(task, 5)
    assert received == [2, 3, 4, 5, 6]
    if as_rows:
        events = await store.read_all(after_position=1)
        assert [(r[:5], who_values(r[5]), time_text(r[6])) for r in rows] == [
            (r[:5], who_values(r[5]), time_text(r[6])) for r in map(fold_row, events)
        ]


async def test_subscribe_sees_appends_of_another_store(database_url: str) -> None:
    reader = await events.open_store(database_url)
    writer = await events.open_store(database_url)
    try:
        stream = reader.subscribe()
        pending = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.05)
        assert not pending.done()
        await writer.append("doc:a", [update(1)])
        event = await asyncio.wait_for(pending, 5)
        assert event.position == 1
        await stream.aclose()  # type: ignore[attr-defined]
    finally:
        await writer.close()
        await reader.close()


async def test_an_open_append_holds_readers_back_and_a_rollback_leaves_no_hole(
    store: EventStore, raw: RawDatabase
) -> None:
    """A transaction that took the head and inserted position 2 but has not committed: no
    reader may see past position 1, the store's next append waits, and when the
    transaction rolls back that append takes position 2."""
    await store.append("doc:a", [update(1)])
    first = (await store.read_all())[0]
    async with raw.open_append(position=2, prev_hash=first.hash, like=first) as rollback:
        appending = asyncio.create_task(store.append("doc:a", [update(2)]))
        await asyncio.sleep(0.2)
        assert not appending.done()
        assert [e.position for e in await store.read_all()] == [1]
        await rollback()
    assert await asyncio.wait_for(appending, 10) == [2]
    assert [e.position for e in await store.read_all()] == [1, 2]
    assert (await store.verify()).ok


async def test_the_database_refuses_to_change_events(
    store: EventStore, raw: RawDatabase
) -> None:
    await store.append("doc:a", [update(1), update(2)])
    for statement in [
        "UPDATE events SET stream_id = 'doc:other' WHERE position = 1",
        f"UPDATE events SET payload = {raw.blob(b'forged')}",
        "DELETE FROM events WHERE position = 2",
        "DELETE FROM events",  # what TRUNCATE is in SQLite
        "TRUNCATE events",
        "DELETE FROM log_head",
        "TRUNCATE log_head",
    ]:
        if raw.sqlite and statement.startswith("TRUNCATE"):
            continue  # SQLite has no TRUNCATE
        with pytest.raises(Exception, match=r"append-only|cannot be deleted"):
            await raw.execute(statement)
    assert [e.position for e in await store.read_all()] == [1, 2]
    assert (await store.verify()).ok


async def test_the_database_refuses_a_hole_or_a_broken_link(
    store: EventStore, raw: RawDatabase
) -> None:
    await store.append("doc:a", [update(1)])
    last = (await store.read_all())[-1]
    row = raw.event_row(last, position=3, prev_hash=last.hash)  # skips position 2
    with pytest.raises(Exception, match="refused"):
        await raw.execute(row)
    row = raw.event_row(last, position=2, prev_hash=b"\x01" * 32)  # links to nothing
    with pytest.raises(Exception, match="refused"):
        await raw.execute(row)
    with pytest.raises(Exception, match="refused"):  # a head that names no event
        await raw.execute(f"UPDATE log_head SET position = 5, hash = {raw.blob(last.hash)}")
    assert [e.position for e in await store.read_all()] == [1]
    # The trigger is not in the way of a correct raw insert: it is the link it checks.
    await raw.execute(raw.event_row(last, position=2, prev_hash=last.hash, event_id="raw-2"))
    assert [e.position for e in await store.read_all()] == [1, 2]


async def test_expected_versions_see_appends_of_another_store(database_url: str) -> None:
    first = await events.open_store(database_url)
    second = await events.open_store(database_url)
    try:
        await first.append("doc:a", [update(1)], expected_version=NO_STREAM)
        await second.append("doc:a", [update(2)], expected_version=1)
        with pytest.raises(ConcurrencyError):
            await first.append("doc:a", [update(3)], expected_version=1)
        assert await first.append("doc:a", [update(3)], expected_version=2) == [3]
        with pytest.raises(ConcurrencyError):
            await second.append("doc:a", [update(4)], expected_version=NO_STREAM)
    finally:
        await first.close()
        await second.close()


async def test_attribution_must_come_as_strings(store: EventStore) -> None:
    bad_actors: list[object] = [
        None,
        {"person_id": "p"},
        Actor("p-1", ["not", "a", "name"], "o-1", "Org", Stakeholder.CSO),  # type: ignore[arg-type]
        Actor("p-1", "Name\x00", "o-1", "Org", Stakeholder.CSO),
        Actor("p-1", "Name \ud800", "o-1", "Org", Stakeholder.CSO),  # a lone surrogate
        Actor("p-1", "Name", "o-1", "Org", "minister"),  # type: ignore[arg-type]
    ]
    for actor in bad_actors:
        with pytest.raises(InvalidEventError, match=r"(?i)actor"):
            await store.append("doc:a", [NewEvent("crdt.update", b"x", actor)])  # type: ignore[arg-type]
    for event_id in ["", "x" * 201, "evt-\ud800", 42]:
        with pytest.raises(InvalidEventError, match="event id"):
            await store.append("doc:a", [NewEvent("crdt.update", b"x", ALICE,
                                                  event_id=event_id)])  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="context"):
        await store.append("doc:a", [NewEvent("crdt.update", b"x", ALICE, Context(stage=3))])  # type: ignore[arg-type]
    assert await store.read_all() == []


REPOSITORY = Path(__file__).resolve().parents[2]
APPEND_IN_ANOTHER_PROCESS = """
import asyncio, sys
import events
from events.record import Actor, NewEvent

async def main() -> None:
    store = await events.open_store(sys.argv[1])
    for n in range(3):
        await store.append("doc:elsewhere", [NewEvent("crdt.update", bytes([n]), Actor.system())])
    await store.close()

asyncio.run(main())
"""


async def test_subscribe_sees_appends_of_another_process(
    store: EventStore, database_url: str
) -> None:
    received: list[RecordedEvent] = []

    async def follow() -> None:
        async for event in store.subscribe():
            received.append(event)
            if len(received) == 3:
                return

    following = asyncio.create_task(follow())
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", APPEND_IN_ANOTHER_PROCESS, database_url,
        cwd=REPOSITORY,
    )
    assert await writer.wait() == 0
    await asyncio.wait_for(following, 10)
    assert [(e.position, e.payload) for e in received] == [
        (1, b"\x00"), (2, b"\x01"), (3, b"\x02")
    ]


async def test_closing_the_store_ends_its_subscriptions(database_url: str) -> None:
    store = await events.open_store(database_url)
    await store.append("doc:a", [update(1)])
    seen: list[int] = []
    caught_up = asyncio.Event()

    async def follow() -> None:
        async for event in store.subscribe():
            seen.append(event.position)
            caught_up.set()

    following = asyncio.create_task(follow())
    await asyncio.wait_for(caught_up.wait(), 5)
    await asyncio.sleep(0.05)  # now waiting for appends
    await store.close()
    await asyncio.wait_for(following, 5)  # ends quietly, without waiting for a poll
    assert seen == [1]
