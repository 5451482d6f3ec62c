"""Time travel and stage snapshots agree with a full replay of the log."""

from __future__ import annotations

from typing import Any

import pytest
import scenario
from projection_helpers import SARI, advance
from pycrdt import Doc

from commitment.template import read_commitment
from events import catalog
from events.record import Context, NewEvent
from events.store import EventStore
from projections import documents, queries
from projections.replay import document_at, load_document
from projections.runner import ProjectionRunner
from projections.storage import Storage


async def full_replay(store: EventStore, document_id: str, position: int) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    for event in await store.read_all():
        if event.stream_id == f"doc:{document_id}" and event.position <= position:
            doc.apply_update(event.payload)
    return doc


async def _projected(store: EventStore, storage: Storage) -> ProjectionRunner:
    runner = ProjectionRunner(store, storage, batch_size=5)
    await runner.load()
    await runner.catch_up()
    return runner


async def test_the_state_at_every_position_equals_a_full_replay(
    store: EventStore, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "CHECKPOINT_EVERY", 3)
    await scenario.build(store)
    await _projected(store, storage)
    assert await storage.fetch("SELECT COUNT(*) FROM doc_checkpoint") != [(0,)]
    head = (await store.head()).position
    for position in range(0, head + 1):
        replayed = await document_at(storage, store, "c1", position)
        expected = await full_replay(store, "c1", position)
        assert replayed.doc.get_state() == expected.get_state(), position
        assert read_commitment(replayed.doc) == read_commitment(expected), position


async def test_large_updates_get_a_stored_state_sooner_and_replay_stays_exact(
    store: EventStore, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored state comes after CHECKPOINT_BYTES of updates even when far fewer than
    CHECKPOINT_EVERY events came in (a few big pastes), so replay never applies a long tail."""
    monkeypatch.setattr(documents, "CHECKPOINT_BYTES", 60)
    monkeypatch.setattr(documents, "CHECKPOINT_GROWTH", 0)  # many, for many replay starts
    await scenario.build(store)
    await _projected(store, storage)
    rows = await storage.fetch(
        "SELECT stream_version FROM doc_checkpoint WHERE document_id = ? "
        "ORDER BY stream_version", "c1",
    )
    assert len(rows) >= 2 and rows[0][0] < documents.CHECKPOINT_EVERY
    head = (await store.head()).position
    for position in range(0, head + 1):
        replayed = await document_at(storage, store, "c1", position)
        expected = await full_replay(store, "c1", position)
        assert replayed.doc.get_state() == expected.get_state(), position


async def test_a_stage_snapshot_equals_a_full_replay_at_its_position(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    [snapshot] = await queries.snapshots(storage, "c1")
    assert snapshot["label"] == "draft2" and snapshot["next_stage"] == "draft3"
    version = await queries.resolve_version(storage, "c1", "draft2")
    assert version.state is not None
    stored: Doc[Any] = Doc()
    stored.apply_update(version.state)
    expected = await full_replay(store, "c1", snapshot["position"])
    assert stored.get_state() == expected.get_state()
    content = read_commitment(stored)
    assert content == read_commitment(expected)
    assert content.sections["problem"].text == (
        "Data penerima bansos tertutup. Warga tidak bisa memeriksa."
    )


async def test_content_at_a_position_and_the_live_loader(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    early = await queries.content_at(storage, store, "c1", position=1)
    assert early["content"]["title"] == "Data bansos terbuka"
    assert early["content"]["sections"]["problem"]["text"] == "Data penerima bansos tertutup."
    assert early["content"]["meta"] == {"number": "1"}
    state, version, position = await load_document(storage, store, "c1")
    latest = await full_replay(store, "c1", position)
    assert Doc().get_state() != state
    loaded: Doc[Any] = Doc()
    loaded.apply_update(state)
    assert loaded.get_state() == latest.get_state()
    assert version == await store.stream_version("doc:c1")
    assert read_commitment(loaded).milestones == [
        {"activity": "Publikasi DTKS", "deliverable": "portal"}
    ]


async def test_history_names_who_did_what_and_filters(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    page = await queries.history(storage, store, "c1", filters={}, limit=3)
    first = page["events"][0]
    assert first["actor"]["person_id"] == "p-ani"
    assert first["session_id"] == "tc-12-march" and first["stage"] == "draft2"
    assert "inserted 'Data bansos terbuka' in title" in first["summary"]
    assert "set meta.number" in first["summary"]
    assert page["events"][1]["summary"] == "inserted ' Warga' in problem"
    assert page["next_after"] == page["events"][-1]["position"]
    budi = await queries.history(storage, store, "c1", filters={"org": "org-bappenas"})
    summaries = [e["summary"] for e in budi["events"]]
    assert summaries == [
        "inserted 'Menurut Kemensos: ' in problem",
        "inserted 'dikelola di DTKS.' in problem; deleted 9 characters in problem",
    ]
    assert budi["next_after"] is None
    assert [e["summary_id"] for e in budi["events"]] == [
        "menambahkan 'Menurut Kemensos: ' di Masalah publik",
        "menambahkan 'dikelola di DTKS.' di Masalah publik; "
        "menghapus 9 karakter di Masalah publik",
    ]
    assert budi["events"][1]["summary_parts"] == [
        {"op": "insert", "section": "problem", "text": "dikelola di DTKS."},
        {"op": "delete", "section": "problem", "chars": 9},
    ]
    assert "mengubah meta.number" in first["summary_id"]
    assert {"op": "set", "section": "meta", "field": "meta.number"} in first["summary_parts"]
    with pytest.raises(queries.QueryError):
        await queries.history(storage, store, "c1", filters={"colour": "red"})


async def test_compare_draft2_with_now_attributes_each_change(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    result = await queries.compare_versions(storage, store, "c1", "draft2", "now")
    changes = result["sections"]["problem"]
    by_text = {(c["removed"], c["added"]): c for c in changes}
    kemensos = by_text[("", "Menurut Kemensos: ")]
    assert [p["person_id"] for p in kemensos["added_by"]] == ["p-budi"]
    replaced = next(c for c in changes if "tertutup" in c["removed"])
    assert "DTKS" in replaced["added"]
    assert [p["org_id"] for p in replaced["removed_text_by"]] == ["org-ti"]
    assert [p["org_id"] for p in replaced["removed_by"]] == ["org-bappenas"]
    audit = by_text[("", " Perlu audit.")]
    assert [p["person_id"] for p in audit["added_by"]] == ["p-ani"]
    assert result["sections"]["title"] == []


async def test_contributions_answer_what_the_ministry_changed_in_a_session(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    in_session = await queries.contributions(
        storage, filters={"session": "tc-12-march"}, group_by=["org"]
    )
    assert [row["org_id"] for row in in_session] == ["org-ogi", "org-ti"]
    ministry = await queries.contributions(
        storage, filters={"org": "org-bappenas", "stage": "draft3"}, group_by=["person"]
    )
    [row] = ministry
    assert row["person_id"] == "p-budi" and row["edits"] == 2
    assert row["inserted"] == len("Menurut Kemensos: ") + len("dikelola di DTKS.")
    assert row["deleted"] == len("tertutup.")
    assert row["first_at"] <= row["last_at"]
    with pytest.raises(queries.QueryError):
        await queries.contributions(storage, filters={}, group_by=["shoe_size"])


async def test_contributions_per_section_of_one_commitment(
    store: EventStore, storage: Storage
) -> None:
    await scenario.build(store)
    await _projected(store, storage)
    rows = await queries.contributions(
        storage, filters={"document": "c1", "org": "org-bappenas"},
        group_by=["section", "person"], store=store,
    )
    [row] = rows
    assert (row["section"], row["person_id"], row["stage"]) == ("problem", "p-budi", "draft3")
    assert row["inserted"] == len("Menurut Kemensos: dikelola di DTKS.")
    assert row["deleted"] == len("tertutup.") and row["edits"] == 2
    everyone = await queries.contributions(
        storage, filters={"document": "c1"}, group_by=["section"], store=store
    )
    assert {(r["section"], r["person_id"]) for r in everyone} == {
        ("title", "p-ani"), ("meta", "p-ani"), ("problem", "p-ani"), ("problem", "p-budi"),
        ("milestones", "p-sari"),
    }
    with pytest.raises(queries.QueryError, match="document="):
        await queries.contributions(storage, filters={}, group_by=["section"], store=store)


async def test_a_commitment_without_edits_still_gets_its_stage_snapshot(
    store: EventStore, storage: Storage
) -> None:


    catalog.register("commitment.created")
    await store.append("plan:plan1", [NewEvent(
        "commitment.created", {"plan_id": "plan1", "document_id": "empty", "commitment_id": "k"},
        SARI, Context("plan1", "draft1", None),
    )])
    await store.append("plan:plan2", [NewEvent(
        "commitment.created", {"plan_id": "plan2", "document_id": "other", "commitment_id": "o"},
        SARI, Context("plan2", "draft1", None),
    )])
    position = await advance(store, "plan1", "draft1", "draft2")
    await _projected(store, storage)
    assert [s["position"] for s in await queries.snapshots(storage, "empty")] == [position]
    assert await queries.snapshots(storage, "other") == []
