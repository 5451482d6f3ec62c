"""The plan as a Word document (python-docx), in the commitment template's layout."""

from __future__ import annotations

from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .layout import CommitmentPage, PlanDocument
from .richtext import Block, Run

LABEL_FILL = "DCE6F1"  # the pale blue of the OGP template's label column
HEADER_FILL = "1F3864"
LABEL_WIDTH = Cm(5.5)
VALUE_WIDTH = Cm(11.5)


def _shade(cell: Any, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _write_blocks(cell: Any, blocks: list[Block], empty: str) -> None:
    first = cell.paragraphs[0]
    if not blocks:
        run = first.add_run(empty)
        run.italic = True
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
        return
    for index, block in enumerate(blocks):
        paragraph = first if index == 0 else cell.add_paragraph()
        if block.kind == "bullet":
            paragraph.style = "List Bullet" if block.level <= 1 else "List Bullet 2"
        elif block.kind == "number":
            paragraph.style = "List Number" if block.level <= 1 else "List Number 2"
        elif block.kind == "quote":
            paragraph.paragraph_format.left_indent = Cm(0.6)
        for piece in block.runs:
            run = paragraph.add_run(piece.text)
            run.bold = piece.bold or block.kind == "heading" or None
            run.italic = piece.italic or block.kind == "quote" or None
            run.underline = piece.underline or bool(piece.href) or None
            run.font.strike = piece.strike or None
            if piece.code or block.kind == "code":
                run.font.name = "Courier New"


def _label_value_table(document: Any, rows: list[tuple[str, list[Block]]], empty: str) -> Any:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, blocks in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = LABEL_WIDTH, VALUE_WIDTH
        cells[0].paragraphs[0].add_run(label).bold = True
        _shade(cells[0], LABEL_FILL)
        _write_blocks(cells[1], blocks, empty)
    return table


def _plain(text: str) -> list[Block]:
    return [Block("p", runs=[Run(line)]) for line in text.split("\n") if line] if text else []


def _title_row(document: Any, text: str) -> None:
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    cell = table.rows[0].cells[0]
    run = cell.paragraphs[0].add_run(text)
    run.bold = True
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    _shade(cell, HEADER_FILL)


def _commitment(document: Any, page: CommitmentPage, empty: str) -> None:
    document.add_heading(page.heading, level=1)
    _label_value_table(document, [(k, _plain(v)) for k, v in page.overview], empty)
    document.add_paragraph()
    _title_row(document, page.description_title)
    _label_value_table(document, page.sections, empty)
    document.add_heading(page.milestones_title, level=2)
    table = document.add_table(rows=1, cols=len(page.milestone_header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, page.milestone_header, strict=True):
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, HEADER_FILL)
    for values in page.milestone_rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _write_blocks(cell, _plain(value), "")
    if not page.milestone_rows:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        _write_blocks(merged, [], empty)
    document.add_heading(page.contact_title, level=2)
    _label_value_table(document, [(k, _plain(v)) for k, v in page.contact_rows], empty)


def write_docx(plan: PlanDocument, out: IO[bytes]) -> None:
    document: Any = Document()  # python-docx is only partly typed
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    document.core_properties.title = plan.title
    document.core_properties.language = plan.language
    section.footer.paragraphs[0].text = plan.footer

    document.add_heading(plan.title, level=0)
    for line in plan.subtitle:
        document.add_paragraph(line)
    document.add_heading(plan.contents_title, level=2)
    for line in plan.contents:
        document.add_paragraph(line, style="List Number")
    for page in plan.pages:
        document.add_page_break()
        _commitment(document, page, plan.empty)
    if plan.annex:
        document.add_page_break()
        document.add_heading(plan.annex_title, level=1)
        for line in plan.annex:
            document.add_paragraph(line, style="List Bullet")
    document.add_page_break()
    document.add_heading(plan.verification_title, level=1)
    intro, *note = plan.verification
    document.add_paragraph(intro)
    if note:
        paragraph = document.add_paragraph()
        for index, line in enumerate(note):
            run = paragraph.add_run(line)
            run.font.name = "Courier New"
            run.font.size = Pt(8)
            if index < len(note) - 1:
                run.add_break()
    document.save(out)
