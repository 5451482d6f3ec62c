"""Sections and milestones of 50 KB flow across pages in every PDF export, all of the text.

reportlab can only split a table between rows unless told otherwise, so a section of about
4,000 characters (one table cell taller than a page) made every PDF export fail with
``LayoutError``. Each word of the long texts here is numbered, so the words read back from the
PDF (``pdftotext``) can be checked one by one, in order, whatever the page breaks put between.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from plan_story import PLAN, SECRET, SECRETARIAT, TII, Commitment, Story, advance
from pycrdt import Map, Text
from starlette.applications import Starlette

import events
from audit.api import routes
from audit.exports.documents import export_plan
from audit.exports.evidence import write_evidence_pack
from audit.keys import Keyring, load_signer
from events.record import Stakeholder
from identity.tokens import issue_token
from kokreasi.settings import Settings
from process.registry import Registry
from process.runtime import ProcessRuntime
from process.service import ProcessService

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

SIZE = 50_000


def numbered(prefix: str, size: int = SIZE) -> list[str]:
    """Words ``p00000``, ``p00001``, ... adding up to ``size`` characters with spaces."""
    return [f"{prefix}{n:05d}" for n in range(size // 7 + 1)]


ONE_PARAGRAPH = numbered("p")  # the public problem: one paragraph of 50 KB
PARAGRAPHS = numbered("c")  # the commitment: 50 KB in paragraphs of 100 words
MILESTONE = numbered("m")  # one milestone's activity


async def long_plan(store: events.EventStore, signer: object) -> Story:
    runtime = ProcessRuntime(store)
    service = ProcessService(runtime, SECRET)
    s = SECRETARIAT
    await service.create_plan(s, "Rencana panjang", "2025-2027", PLAN)
    for actor in (SECRETARIAT, TII):
        await service.register_organisation(s, actor.org_name, str(actor.stakeholder),
                                            actor.org_id)
        await service.invite_person(s, actor.name, actor.org_id, person_id=actor.person_id)
    await service.create_working_group(s, PLAN, "Data terbuka", group_id="wg-data")
    await service.add_member(s, "wg-data", TII.org_id, None, {"focus": "works on open data"})
    await service.create_commitment(s, PLAN, "wg-data", "Komitmen panjang", number="1",
                                    commitment_id="c-long", document_id="d-long")
    long = Commitment(store, "d-long", "c-long")
    story = Story(store, service, runtime, signer, long, long)  # type: ignore[arg-type]
    await advance(story, "setup")  # -> draft1
    await long.edit(TII, "draft1", lambda c: c.paragraph("problem", " ".join(ONE_PARAGRAPH)))

    def paragraphs(c: Commitment) -> None:
        for start in range(0, len(PARAGRAPHS), 100):
            c.paragraph("commitment", " ".join(PARAGRAPHS[start:start + 100]))

    await long.edit(TII, "draft1", paragraphs)
    await long.edit(TII, "draft1", lambda c: c.milestones().append(Map({
        "activity": Text(" ".join(MILESTONE)), "deliverable": Text("Laporan"),
        "start": "2025-01-01", "end": "2026-06-30", "output": "Laporan", "actors": "TII"})))
    await advance(story, "draft1")  # -> draft2: the draft1 snapshot holds every long text
    return story


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    store = await events.open_store(f"sqlite:///{tmp_path / 'long.sqlite3'}")
    told = None
    try:
        told = await long_plan(store, load_signer(tmp_path / "data"))
        yield told
    finally:
        await store.close()
        if told is not None:
            await told.runtime.close()


def pdf_words(data: bytes, path: Path) -> list[str]:
    assert data.startswith(b"%PDF")
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    return re.findall(r"\b[pcm]\d{5}\b", text)


def assert_every_long_text_in(data: bytes, path: Path) -> None:
    words = pdf_words(data, path)
    for expected in (ONE_PARAGRAPH, PARAGRAPHS, MILESTONE):
        found = [w for w in words if w[0] == expected[0][0]]
        assert found == expected, f"{expected[0][0]}: {len(found)} of {len(expected)} words"


async def test_the_plan_now_and_its_snapshot_hold_every_word_of_50_kb_texts(
    story: Story, tmp_path: Path
) -> None:
    for stage in (None, "draft1"):
        out = io.BytesIO()
        await export_plan(story.store, PLAN, "pdf", out, language="en", stage=stage)
        assert_every_long_text_in(out.getvalue(), tmp_path / f"plan-{stage}.pdf")


async def test_the_evidence_pack_holds_every_word_in_each_of_its_pdfs(
    story: Story, tmp_path: Path
) -> None:
    out = io.BytesIO()
    await write_evidence_pack(story.store, PLAN, out, keyring=Keyring(), signer=story.signer)
    archive = zipfile.ZipFile(out)
    pdfs = [name for name in archive.namelist()
            if name.endswith(".pdf") and (name.startswith("plan/") or "draft1" in name)]
    assert len(pdfs) == 4  # the plan now and the draft1 snapshot, in Indonesian and English
    for name in pdfs:
        assert_every_long_text_in(archive.read(name), tmp_path / name.replace("/", "-"))
    diff = next(n for n in archive.namelist() if n.startswith("diffs/") and "draft1" in n)
    assert "c07142" in archive.read(diff).decode()


async def test_the_download_routes_serve_the_long_plan_and_its_evidence(tmp_path: Path) -> None:
    """Through the routes, whose builds run in worker processes reading the log themselves."""
    database_url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    app = Starlette(routes=routes())
    app.state.settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                                  redis_url=None, secret_key=SECRET)
    app.state.store = store = await events.open_store(database_url)
    told = await long_plan(store, load_signer(tmp_path / "data"))
    app.state.actor_resolver = Registry(told.runtime)
    token = issue_token(SECRET, name="Ayu", org="IRM", role=Stakeholder.AUDITOR)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://k", timeout=300) as client:
            answer = await client.get(f"/api/exports/{PLAN}/plan.pdf?lang=id&stage=draft1",
                                      headers={"authorization": f"Bearer {token}"})
            pack = await client.get(f"/api/exports/{PLAN}/evidence.zip",
                                    headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert_every_long_text_in(answer.content, tmp_path / "downloaded.pdf")
        assert pack.status_code == 200, pack.text
        archive = zipfile.ZipFile(io.BytesIO(pack.content))
        snapshot = next(n for n in archive.namelist() if n.endswith("draft1-en.pdf"))
        assert_every_long_text_in(archive.read(snapshot), tmp_path / "pack-snapshot.pdf")
    finally:
        await store.close()
        await told.runtime.close()
