"""The plan in the commitment template, read back from the DOCX and PDF files themselves."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from plan_story import PLAN, Story

from audit.exports.documents import export_plan
from audit.exports.plan import ExportError

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


async def docx_of(
    story: Story, language: str = "id", stage: str | None = None
) -> docx.document.Document:
    out = io.BytesIO()
    await export_plan(story.store, PLAN, "docx", out, language=language, stage=stage)
    out.seek(0)
    return docx.Document(out)


def headings_of(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs
            if p.style is not None and str(p.style.name).startswith("Heading")]


def pdf_pages(data: bytes, path: Path) -> list[str]:
    """The text of each page, as pdftotext reads it."""
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    return text.split("\f")


def render_page(pdf: Path, page: int, prefix: Path) -> list[Path]:
    """Render one page to PNG for a person to look at (left in the artifacts directory)."""
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page),
                    str(pdf), str(prefix)], check=True, timeout=60)
    return list(prefix.parent.glob(f"{prefix.name}*.png"))


def table_text(table: docx.table.Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


async def test_docx_in_english_has_every_part_of_the_template(story: Story) -> None:
    document = await docx_of(story, language="en")
    headings = headings_of(document)
    assert "Commitment 1: Make social welfare data more transparent (ID0121)" in headings
    assert ("Commitment 2: Digital accessibility guidelines for persons with disabilities "
            "(ID0002)") in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Stage: Final \u2014 Current state" in text
    tables = [table_text(t) for t in document.tables]
    overview, title_row, description, milestones, contacts = tables[:5]
    assert overview == [["Commitment start and end date", "2023-01-01 \u2013 2024-06-30"],
                        ["Lead implementing agency/actor", "Kementerian Sosial"]]
    assert title_row == [["Commitment description"]]
    assert [row[0] for row in description] == [
        "A. Lead implementing agency", "B. Public problem", "C. The commitment",
        "D. How it solves the problem", "E. Relevance to OGP values",
        "F. Alignment with the Government Work Plan", "G. Additional information"]
    assert description[1][1] == ("Social assistance often misses eligible families because the "
                                 "welfare register is closed to public scrutiny.")
    assert description[3][1] == "Open the data dictionary\nQuarterly publication by region"
    assert description[6][1] == "(not filled in)"
    assert milestones == [
        ["Activity with a verifiable deliverable", "Start date", "End date", "Output",
         "Actors involved"],
        ["Publish the DTKS data dictionary\nDictionary online", "2023-01-01", "2023-06-30",
         "Data dictionary", "Kementerian Sosial, TII"],
        ["Open a complaint channel\nChannel live", "2023-07-01", "2024-06-30",
         "Complaint channel", "Kementerian Sosial"]]
    assert contacts[0] == ["Name of the responsible person in the implementing agency",
                           "Sari Wulandari"]
    assert contacts[2] == ["Email and phone", "data@kemensos.example, +62 21 000 000"]
    bold = [run.text for row in document.tables[2].rows for p in row.cells[1].paragraphs
            for run in p.runs if run.bold]
    assert bold == ["closed to public scrutiny."]
    assert "Newest checkpoint" in text and "\u2014 kokreasi " in text


async def test_docx_in_indonesian(story: Story) -> None:
    document = await docx_of(story, language="id")
    headings = headings_of(document)
    assert "Komitmen 1: Make social welfare data more transparent (ID0121)" in headings
    tables = [table_text(t) for t in document.tables]
    assert tables[0][0][0] == "Tanggal mulai dan berakhir komitmen"
    assert tables[2][1][0] == "B. Masalah publik"
    assert tables[3][0][0] == "Kegiatan dengan hasil yang dapat diverifikasi"
    assert tables[4][0][0] == "Nama penanggung jawab di badan pelaksana"
    # Commitment 2 has no milestones yet: one row says so.
    assert tables[8][1][0] == "(belum diisi)"


async def test_a_stage_snapshot_shows_the_plan_as_it_was_agreed(story: Story) -> None:
    document = await docx_of(story, language="en", stage="draft2")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Stage: Draft 2 \u2014 Stage snapshot (frozen)" in text
    tables = [table_text(t) for t in document.tables]
    assert tables[0][1] == ["Lead implementing agency/actor", "(not filled in)"]  # from Draft 3
    assert len(tables[3]) == 3  # the milestones written in Draft 2 are there
    draft1 = [table_text(t) for t in (await docx_of(story, stage="draft1")).tables]
    assert len(draft1[3]) == 2 and draft1[3][1][0] == "(belum diisi)"


async def test_bad_requests_are_refused_clearly(story: Story) -> None:
    with pytest.raises(ExportError, match="no plan 'nope'"):
        await export_plan(story.store, "nope", "docx", io.BytesIO())
    with pytest.raises(ExportError, match="stage must be one of"):
        await export_plan(story.store, PLAN, "docx", io.BytesIO(), stage="draft9")
    with pytest.raises(ExportError, match="language must be one of"):
        await export_plan(story.store, PLAN, "docx", io.BytesIO(), language="fr")
    with pytest.raises(ExportError, match="format must be one of"):
        await export_plan(story.store, PLAN, "odt", io.BytesIO())


async def test_pdf_reads_back_and_renders(
    story: Story, tmp_path: Path, artifacts_dir: Path
) -> None:
    pdf = tmp_path / "plan.pdf"
    out = io.BytesIO()
    await export_plan(story.store, PLAN, "pdf", out, language="id")
    pages = pdf_pages(out.getvalue(), pdf)
    flat = [" ".join(page.split()) for page in pages]  # labels wrap inside their cells
    assert "Rencana Aksi Nasional OGI VII 2023-2024 Tahap: Rencana Aksi Final" in flat[0]
    commitment = flat[1]
    assert commitment.startswith("Komitmen 1: Make social welfare data more transparent (ID0121)")
    for expected in (
        "Tanggal mulai dan berakhir komitmen 2023-01-01 – 2024-06-30",
        "B. Masalah publik Social assistance often misses eligible families because the "
        "welfare register is closed to public scrutiny.",
        "• Open the data dictionary • Quarterly publication by region",
        "Tonggak capaian", "Publish the DTKS data dictionary Dictionary online 2023-01-01",
        "Informasi kontak", "Sari Wulandari", "G. Informasi tambahan (belum diisi)",
    ):
        assert expected in commitment, expected
    assert "Komitmen 2: Digital accessibility guidelines" in flat[2]
    assert "Verifikasi" in flat[-2] and "— kokreasi" in flat[-2]
    assert render_page(pdf, 2, artifacts_dir / "plan-id-commitment-1")
