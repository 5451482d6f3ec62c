"""A small but complete co-creation history on a real log: two documents, three people,
two sessions, a stage advance, deletions and concurrent typing in one paragraph."""

from __future__ import annotations

from projection_helpers import ANI, BUDI, SARI, Writer, advance, publish
from pycrdt import Array, Map, Text, XmlElement, XmlFragment, XmlText

from events.record import Context
from events.store import EventStore

DRAFT2_TC = Context("plan1", "draft2", "tc-12-march")
DRAFT3 = Context("plan1", "draft3", None)


def problem_text(writer: Writer) -> XmlText:
    node = writer.doc.get("problem", type=XmlFragment).children[0].children[0]
    assert isinstance(node, XmlText)
    return node


def sync(*writers: Writer, updates: list[bytes]) -> None:
    for writer in writers:
        for update in updates:
            writer.receive(update)


async def build(store: EventStore) -> dict[str, Writer]:
    ani, budi, sari = Writer(ANI, 11), Writer(BUDI, 22), Writer(SARI, 33)
    with ani.doc.transaction():
        ani.doc.get("title", type=Text).insert(0, "Data bansos terbuka")
        fragment = ani.doc.get("problem", type=XmlFragment)
        paragraph = fragment.children.append(XmlElement("paragraph"))
        paragraph.children.append(XmlText("Data penerima bansos tertutup."))
        ani.doc.get("meta", type=Map)["number"] = "1"
    updates = list(ani.outbox)
    await publish(store, ani, "c1", DRAFT2_TC)
    sync(budi, sari, updates=updates)
    for word in (" Warga", " tidak", " bisa", " memeriksa."):
        problem_text(ani).insert(len(problem_text(ani)), word)
        updates = list(ani.outbox)
        await publish(store, ani, "c1", DRAFT2_TC)
        sync(budi, sari, updates=updates)
    with sari.doc.transaction():
        milestones = sari.doc.get("milestones", type=Array)
        milestones.append(Map({"activity": "Publikasi DTKS", "deliverable": "portal"}))
    updates = list(sari.outbox)
    await publish(store, sari, "c1", DRAFT2_TC)
    sync(ani, budi, updates=updates)
    await advance(store, "plan1", "draft2", "draft3")
    # Draft 3: the ministry and the CSO type into the same sentence at the same time.
    problem_text(budi).insert(0, "Menurut Kemensos: ")
    problem_text(ani).insert(len(problem_text(ani)), " Perlu audit.")
    from_budi, from_ani = list(budi.outbox), list(ani.outbox)
    await publish(store, budi, "c1", DRAFT3)
    await publish(store, ani, "c1", DRAFT3)
    sync(ani, sari, updates=from_budi)
    sync(budi, sari, updates=from_ani)
    text = str(problem_text(budi))
    start = text.index("tertutup.")
    with budi.doc.transaction():  # one replacement, one event
        del problem_text(budi)[start : start + len("tertutup.")]
        problem_text(budi).insert(start, "dikelola di DTKS.")
    updates = list(budi.outbox)
    await publish(store, budi, "c1", DRAFT3)
    sync(ani, sari, updates=updates)
    other = Writer(SARI, 44)
    other.doc.get("title", type=Text).insert(0, "Komitmen kedua")
    await publish(store, other, "c2", Context("plan1", "draft3", None))
    return {"ani": ani, "budi": budi, "sari": sari}
