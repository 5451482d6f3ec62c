"""A plan whose commitments hold 50 KB sections, for the heavy-read benchmark.

Written straight into a log through the real process service (as ``tests/audit/plan_story``
does): a plan taken from setup to Draft 3, each commitment with a 50 KB section typed by three
people in paragraphs, rewritten in part at every stage (so stage comparisons have work to do),
and one milestone whose activity holds 50 KB. ``kokreasi serve --data-dir D`` then serves it.

    python bench/heavy_seed.py --data-dir D [--kilobytes 50] [--commitments 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

import events
from events.record import Actor, Context, NewEvent, Stakeholder
from process.runtime import ProcessRuntime
from process.service import ProcessService

PLAN = "bench-plan"
SECRETARIAT = Actor("bench-sec", "Sekretariat Bench", "ogi", "Sekretariat OGI",
                    Stakeholder.SECRETARIAT)
AUTHORS = (
    Actor("bench-rina", "Rina", "tii", "Transparency International Indonesia", Stakeholder.CSO),
    Actor("bench-budi", "Budi", "suarise", "Suarise", Stakeholder.CSO),
    Actor("bench-sari", "Sari", "kemensos", "Kementerian Sosial", Stakeholder.KLDI),
)
WORDS = ("data", "terbuka", "publik", "kementerian", "sosial", "transparansi", "warga", "akses",
         "informasi", "anggaran", "pengaduan", "layanan", "daerah", "desa", "partisipasi",
         "masyarakat", "kebijakan")


def prose(rng: random.Random, size: int) -> str:
    out: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        out.append(sentence.capitalize() + ".")
        length += len(sentence) + 2
    return " ".join(out)


@dataclass
class Editor:
    """One person's copy of one document, as in a browser of their own."""

    doc: Doc[Any]
    seen: int = 0


async def edit(store: events.EventStore, document_id: str, copies: dict[str, Editor],
               actor: Actor, stage: str, change: Any) -> None:
    editor = copies.setdefault(actor.person_id, Editor(Doc()))
    for event in await store.read_stream(f"doc:{document_id}", after_version=editor.seen):
        editor.doc.apply_update(event.payload)
        editor.seen = event.stream_version
    before = editor.doc.get_state()
    change(editor.doc)
    update = editor.doc.get_update(before)
    await store.append(f"doc:{document_id}", [
        NewEvent("crdt.update", update, actor, Context(PLAN, stage, None))])


def add_paragraphs(texts: list[str]) -> Any:
    def change(doc: Doc[Any]) -> None:
        section = doc.get("commitment", type=XmlFragment)
        for text in texts:
            section.children.append(XmlElement("paragraph", {}, [XmlText(text)]))
    return change


def rewrite(rng: random.Random, share: float) -> Any:
    """Replace a share of the paragraphs' sentences in place (deletions and insertions)."""
    def change(doc: Doc[Any]) -> None:
        section = doc.get("commitment", type=XmlFragment)
        for paragraph in list(section.children):
            if rng.random() > share:
                continue
            text = paragraph.children[0]
            length = len(str(text))
            start = rng.randrange(max(1, length - 80))
            del text[start:start + 60]
            text.insert(start, prose(rng, 60))
    return change


def milestone(rng: random.Random, size: int) -> Any:
    def change(doc: Doc[Any]) -> None:
        doc.get("milestones", type=Array).append(Map({
            "activity": Text(prose(rng, size)), "deliverable": Text("Laporan"),
            "start": "2025-01-01", "end": "2026-06-30", "output": "Laporan terbit",
            "actors": "Kementerian Sosial, TII"}))
    return change


async def seed(database_url: str, *, kilobytes: int = 50, commitments: int = 2,
               seed_value: int = 1) -> dict[str, Any]:
    """Write the plan; return its document ids and stage snapshot labels."""
    rng = random.Random(seed_value)
    store = await events.open_store(database_url)
    runtime = ProcessRuntime(store)
    try:
        service = ProcessService(runtime, b"bench-heavy-reads-secret-0123456789")
        s = SECRETARIAT
        await service.create_plan(s, "Rencana Aksi Bench", "2025-2027", PLAN)
        for actor in (SECRETARIAT, *AUTHORS):
            await service.register_organisation(s, actor.org_name, str(actor.stakeholder),
                                                actor.org_id)
            await service.invite_person(s, actor.name, actor.org_id, person_id=actor.person_id)
        await service.create_working_group(s, PLAN, "Data terbuka", group_id="wg-bench")
        for actor in AUTHORS:
            await service.add_member(s, "wg-bench", actor.org_id, None, {"focus": "bench"})
        documents = [f"bench-doc-{n}" for n in range(commitments)]
        for n, document_id in enumerate(documents):
            await service.create_commitment(s, PLAN, "wg-bench", f"Komitmen {n + 1}",
                                            number=str(n + 1), commitment_id=f"bench-c-{n}",
                                            document_id=document_id)
        await service.advance_stage(s, PLAN, "setup", True)  # -> draft1
        copies = {d: {} for d in documents}
        paragraph = 800
        for document_id in documents:
            per_author = kilobytes * 1000 // len(AUTHORS)
            for actor in AUTHORS:
                texts = [prose(rng, paragraph) for _ in range(max(1, per_author // paragraph))]
                await edit(store, document_id, copies[document_id], actor, "draft1",
                           add_paragraphs(texts))
            await edit(store, document_id, copies[document_id], AUTHORS[0], "draft1",
                       milestone(rng, kilobytes * 1000))
        stages = ["draft1", "draft2"]
        for stage in stages:
            await service.advance_stage(s, PLAN, stage, True)
            following = {"draft1": "draft2", "draft2": "draft3"}[stage]
            for document_id in documents:
                for actor in AUTHORS:
                    await edit(store, document_id, copies[document_id], actor, following,
                               rewrite(rng, 0.3))
        head = (await store.head()).position
        return {"plan": PLAN, "documents": documents, "snapshots": stages, "head": head}
    finally:
        await store.close()
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--kilobytes", type=int, default=50)
    parser.add_argument("--commitments", type=int, default=2)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(args.data_dir / 'events.sqlite3').resolve()}"
    print(json.dumps(asyncio.run(seed(url, kilobytes=args.kilobytes,
                                      commitments=args.commitments))))


if __name__ == "__main__":
    main()
