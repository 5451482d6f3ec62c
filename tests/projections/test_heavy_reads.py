"""Heavy reads of 50 KB sections: off the event loop, cached only while their inputs are fixed."""

from __future__ import annotations

import asyncio
import random

import pytest
from projection_helpers import ANI, BUDI, Writer, advance, publish
from pycrdt import XmlElement, XmlFragment, XmlText

from events.record import Context
from events.store import EventStore
from projections import queries, workers
from projections.diff import compare_section
from projections.readcache import cache_of
from projections.runner import ProjectionRunner
from projections.storage import Storage

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])

DRAFT1 = Context("plan1", "draft1", None)
DRAFT2 = Context("plan1", "draft2", None)
WORDS = ("data", "terbuka", "publik", "warga", "akses", "informasi", "anggaran", "desa")


def prose(rng: random.Random, size: int) -> str:
    out: list[str] = []
    while sum(len(s) + 1 for s in out) < size:
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + ".")
    return " ".join(out)


async def big_document(store: EventStore) -> tuple[Writer, Writer]:
    """Document "big": a 50 KB section by Ani in Draft 1; Budi rewrites parts in Draft 2; both
stages closed (snapshots draft1 and draft2)."""
    rng = random.Random(7)
    ani, budi = Writer(ANI, 11), Writer(BUDI, 22)
    section = ani.doc.get("commitment", type=XmlFragment)
    with ani.doc.transaction():
        for _ in range(60):
            section.children.append(XmlElement("paragraph", {}, [XmlText(prose(rng, 850))]))
    updates = list(ani.outbox)
    await publish(store, ani, "big", DRAFT1)
    for update in updates:
        budi.receive(update)
    await advance(store, "plan1", "draft1", "draft2")
    paragraphs = list(budi.doc.get("commitment", type=XmlFragment).children)
    with budi.doc.transaction():
        for paragraph in paragraphs[::3]:
            text = paragraph.children[0]
            del text[100:160]
            text.insert(100, "kalimat baru dari kementerian")
    await publish(store, budi, "big", DRAFT2)
    await advance(store, "plan1", "draft2", "draft3")
    return ani, budi


async def projected(store: EventStore, storage: Storage) -> None:
    runner = ProjectionRunner(store, storage)
    await runner.load()
    await runner.catch_up()


@SQLITE
async def test_a_comparison_of_50_kb_sections_names_each_change_and_its_author(
    store: EventStore, storage: Storage
) -> None:
    await big_document(store)
    await projected(store, storage)
    result = await queries.compare_versions(storage, store, "big", "draft1", "draft2")
    changes = result["sections"]["commitment"]
    # 60 characters replaced in every third of the 60 paragraphs: a few word-level changes
    # in each of 20 places, not the section replaced as a whole.
    assert 20 <= len(changes) <= 200
    assert sum(len(c["removed"]) for c in changes) <= 20 * 80
    # A word cut in two keeps Ani's part: the whole token counts as changed.
    assert all("p-budi" in {p["person_id"] for p in c["added_by"]}
               for c in changes if c["added"].strip())
    assert {p["person_id"] for c in changes for p in c["removed_text_by"]} == {"p-ani"}
    assert {p["person_id"] for c in changes for p in c["removed_by"]} == {"p-budi"}
    assert result["sections"]["problem"] == []


def test_the_diff_of_a_large_section_only_reports_real_changes() -> None:
    rng = random.Random(3)
    old = "\n".join(prose(rng, 800) for _ in range(60))
    new = list(old)
    for start in range(500, len(new), 2500):  # a word changed every 2,500 characters
        new[start:start + 3] = list("XYZ")
    changes = compare_section([(c, "a") for c in old], [(c, "b") for c in "".join(new)],
                              {}, {})
    assert len(changes) == len(range(500, len(new), 2500))
    assert all("XYZ" in c["added"] and len(c["removed"]) < 40 for c in changes)


@SQLITE
async def test_a_small_request_is_answered_while_a_comparison_runs(
    store: EventStore, storage: Storage
) -> None:
    """The comparison's CPU work (blame of two 50 KB versions, the word diff) is not done on
    the event loop: a small request that comes in while it runs is answered first. On the
    event loop (``KOKREASI_BENCH_HEAVY_READS=inline``, as before) the small request waits
    until the comparison is done, and this fails."""
    await big_document(store)
    await projected(store, storage)
    await workers.run(len, b"")  # the workers are up (a server starts them with its service)
    finished: list[str] = []

    async def big() -> None:
        await queries.compare_versions(storage, store, "big", "draft1", "now")
        finished.append("comparison")

    comparing = asyncio.ensure_future(big())
    await asyncio.sleep(0.05)  # the comparison has read its inputs and is computing
    await queries.snapshots(storage, "big")
    finished.append("small request")
    await comparing
    assert finished == ["small request", "comparison"]


@SQLITE
async def test_a_cached_snapshot_comparison_equals_a_fresh_one(
    store: EventStore, storage: Storage
) -> None:
    await big_document(store)
    await projected(store, storage)
    cache = cache_of(storage)
    first = await queries.compare_versions(storage, store, "big", "draft1", "draft2")
    hits = cache.hits
    again = await queries.compare_versions(storage, store, "big", "draft1", "draft2")
    assert cache.hits == hits + 1, "the second comparison of two snapshots was not cached"
    cache_of(storage).__init__()  # forget everything: a fresh computation
    fresh = await queries.compare_versions(storage, store, "big", "draft1", "draft2")
    assert first == again == fresh


@SQLITE
async def test_reads_of_a_live_document_are_never_stale(
    store: EventStore, storage: Storage
) -> None:
    _, budi = await big_document(store)
    await projected(store, storage)
    before = await queries.compare_versions(storage, store, "big", "draft1", "now")
    at_head = await queries.content_at(storage, store, "big",
                                       position=(await store.head()).position)
    section = budi.doc.get("commitment", type=XmlFragment)
    section.children[0].children[0].insert(0, "Paling baru: ")
    await publish(store, budi, "big", DRAFT2)
    await projected(store, storage)
    after = await queries.compare_versions(storage, store, "big", "draft1", "now")
    assert after["to"]["position"] > before["to"]["position"]
    assert any("Paling baru" in c["added"] for c in after["sections"]["commitment"])
    assert not any("Paling baru" in c["added"] for c in before["sections"]["commitment"])
    now = await queries.content_at(storage, store, "big", position=(await store.head()).position)
    assert "Paling baru" in now["content"]["sections"]["commitment"]["text"]
    assert "Paling baru" not in at_head["content"]["sections"]["commitment"]["text"]
    # A position past the head is not history yet: the edit that lands there must show.
    ahead = (await store.head()).position + 1
    early = await queries.content_at(storage, store, "big", position=ahead)
    section.children[1].children[0].insert(0, "Lebih baru lagi: ")
    await publish(store, budi, "big", DRAFT2)
    late = await queries.content_at(storage, store, "big", position=ahead)
    assert "Lebih baru lagi" not in early["content"]["sections"]["commitment"]["text"]
    assert "Lebih baru lagi" in late["content"]["sections"]["commitment"]["text"]
