"""The evidence pack's stage diffs say who wrote the text each change added and removed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from plan_story import BAPPENAS, PLAN, SECRET, SECRETARIAT, TII, Commitment, Story, advance
from pycrdt import XmlElement, XmlText

import events
from audit.exports.evidence import write_evidence_pack
from audit.keys import load_signer
from process.runtime import ProcessRuntime
from process.service import ProcessService

FIRST = "The welfare register is closed to public scrutiny."
OLD_WORDS = "closed to public scrutiny"
NEW_WORDS = "published every quarter"
ADDED_SENTENCE = " Families can check their own entry."


async def _tell(store: events.EventStore, tmp_path: Path) -> Story:
    """Rina (TII) writes the problem in draft 1. In draft 2 she adds a sentence to it and
    Agus (Bappenas) replaces some of her words with his own."""
    runtime = ProcessRuntime(store)
    service = ProcessService(runtime, SECRET)
    s = SECRETARIAT
    await service.create_plan(s, "Rencana Aksi Nasional OGI VII", "2023-2024", PLAN)
    for actor in (SECRETARIAT, TII, BAPPENAS):
        await service.register_organisation(s, actor.org_name, str(actor.stakeholder),
                                            actor.org_id)
        await service.invite_person(s, actor.name, actor.org_id, person_id=actor.person_id)
    await service.create_working_group(s, PLAN, "Data terbuka", group_id="wg-data")
    for actor in (TII, BAPPENAS):
        await service.add_member(s, "wg-data", actor.org_id, None, {"focus": "open data"})
    await service.create_commitment(s, PLAN, "wg-data", "Data kesejahteraan sosial",
                                    number="1", commitment_id="c-welfare",
                                    document_id="d-welfare")
    story = Story(store, service, runtime, load_signer(tmp_path / "keys"),
                  Commitment(store, "d-welfare", "c-welfare"),
                  Commitment(store, "d-access", "c-access"))
    await advance(story, "setup")  # -> draft1
    # Each person edits a copy of their own (a Yjs client id of their own): see Commitment.
    w = story.welfare
    await w.edit(TII, "draft1", lambda c: c.paragraph("problem", FIRST))
    await advance(story, "draft1")  # -> draft2

    def text(c: Commitment) -> XmlText:
        paragraph = c.section("problem").children[0]
        assert isinstance(paragraph, XmlElement)
        node = paragraph.children[0]
        assert isinstance(node, XmlText)
        return node

    await w.edit(TII, "draft2", lambda c: text(c).insert(len(FIRST), ADDED_SENTENCE))

    def replace(c: Commitment) -> None:
        node = text(c)
        start = FIRST.index(OLD_WORDS)
        del node[start:start + len(OLD_WORDS)]
        node.insert(start, NEW_WORDS)

    await w.edit(BAPPENAS, "draft2", replace)
    await advance(story, "draft2")  # -> draft3
    return story


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    store = await events.open_store(f"sqlite:///{tmp_path / 'authors.sqlite3'}")
    told = None
    try:
        told = await _tell(store, tmp_path)
        yield told
    finally:
        await store.close()  # first, as in conftest: it ends the runtime's subscription
        if told is not None:
            await told.runtime.close()


def _section(markdown: str, heading: str) -> str:
    """The text under ``### heading`` up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#|\Z)", markdown, re.M | re.S)
    assert match is not None, markdown
    return match.group(1)


def _line(part: str, prefix: str) -> str | None:
    found = [line for line in part.splitlines() if line.startswith(prefix)]
    assert len(found) <= 1, part
    return found[0][len(prefix):] if found else None


ADDED = "Added text by / Teks ditambahkan oleh: "
REMOVED = "Removed text written by / Teks yang dihapus ditulis oleh: "


async def _pack(story: Story) -> zipfile.ZipFile:
    out = io.BytesIO()
    await write_evidence_pack(story.store, PLAN, out, signer=story.signer)
    return zipfile.ZipFile(out)


async def test_a_stage_diff_names_who_added_and_whose_words_were_replaced(
    story: Story,
) -> None:
    archive = await _pack(story)
    draft2 = archive.read("diffs/03-draft1-to-draft2.md").decode()
    part = _section(draft2, "B. Public problem")
    assert f"+{FIRST.replace(OLD_WORDS, NEW_WORDS)}{ADDED_SENTENCE}" in part
    # Rina's sentence is longer than Agus's words, so she comes first; the removed words
    # were hers, though Agus removed them.
    assert _line(part, ADDED) == (
        f"Rina Siregar (Transparency International Indonesia) {len(ADDED_SENTENCE)} "
        f"characters; Agus Pratama (Kementerian PPN/Bappenas) {len(NEW_WORDS)}")
    assert _line(part, REMOVED) == (
        f"Rina Siregar (Transparency International Indonesia) {len(OLD_WORDS)} characters")
    # The edit counts stay: one document edit from each organisation.
    assert ("Edits by organisation / Suntingan per organisasi: "
            "Transparency International Indonesia (1), Kementerian PPN/Bappenas (1)") in draft2

    # One stage earlier the paragraph was all Rina's and nothing was removed.
    draft1 = archive.read("diffs/02-setup-to-draft1.md").decode()
    part = _section(draft1, "B. Public problem")
    assert _line(part, ADDED) == (
        f"Rina Siregar (Transparency International Indonesia) {len(FIRST)} characters")
    assert _line(part, REMOVED) is None

    readme = archive.read("README.md").decode()
    assert "gives the characters each person added" in readme
