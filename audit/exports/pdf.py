"""The plan as a PDF (reportlab), in the same layout as the Word export.

Text is set in DejaVu Sans when fontconfig can find it (it covers Indonesian, the dashes and
quotes people paste, and more), otherwise in the Bitstream Vera that reportlab ships.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .layout import CommitmentPage, PlanDocument
from .richtext import Block, Run

LABEL_FILL = colors.HexColor("#DCE6F1")
HEADER_FILL = colors.HexColor("#1F3864")
WIDTH = A4[0] - 4 * cm
FAMILY = "KokreasiSans"
MONO = "KokreasiMono"

_FACES = {  # our name: (fontconfig pattern, reportlab's bundled fallback)
    FAMILY: ("DejaVu Sans", "Vera.ttf"),
    f"{FAMILY}-Bold": ("DejaVu Sans:bold", "VeraBd.ttf"),
    f"{FAMILY}-Italic": ("DejaVu Sans:italic", "VeraIt.ttf"),
    f"{FAMILY}-BoldItalic": ("DejaVu Sans:bold:italic", "VeraBI.ttf"),
    MONO: ("DejaVu Sans Mono", "Vera.ttf"),
}


def _find(pattern: str) -> str | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run([fc_match, "-f", "%{file}", pattern], capture_output=True,
                               text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    # fc-match always answers something; only take what was asked for.
    return found if Path(found).name.startswith("DejaVuSans") else None


@functools.cache
def register_fonts() -> None:
    for name, (pattern, fallback) in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, _find(pattern) or fallback))
    pdfmetrics.registerFontFamily(
        FAMILY, normal=FAMILY, bold=f"{FAMILY}-Bold", italic=f"{FAMILY}-Italic",
        boldItalic=f"{FAMILY}-BoldItalic",
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FAMILY, fontSize=9.5, leading=12.5, alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=f"{FAMILY}-Bold", fontSize=20,
                                leading=25, spaceAfter=10),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=11, leading=15),
        "h1": ParagraphStyle("h1", base, fontName=f"{FAMILY}-Bold", fontSize=14, leading=18,
                             spaceBefore=4, spaceAfter=8, textColor=HEADER_FILL),
        "h2": ParagraphStyle("h2", base, fontName=f"{FAMILY}-Bold", fontSize=11.5, leading=15,
                             spaceBefore=10, spaceAfter=5, textColor=HEADER_FILL),
        "label": ParagraphStyle("label", base, fontName=f"{FAMILY}-Bold", fontSize=9),
        "header": ParagraphStyle("header", base, fontName=f"{FAMILY}-Bold", fontSize=9,
                                 textColor=colors.white),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=11.5),
        "empty": ParagraphStyle("empty", base, fontSize=9, textColor=colors.grey),
        "mono": ParagraphStyle("mono", base, fontName=MONO, fontSize=7.5, leading=9.5),
    }


def _markup(run: Run) -> str:
    text = escape(run.text).replace("\n", "<br/>")
    if run.code:
        text = f'<font face="{MONO}">{text}</font>'
    if run.bold:
        text = f"<b>{text}</b>"
    if run.italic:
        text = f"<i>{text}</i>"
    if run.strike:
        text = f"<strike>{text}</strike>"
    if run.underline:
        text = f"<u>{text}</u>"
    if run.href:
        text = f'<link href="{escape(run.href, {chr(34): "&quot;"})}"><u>{text}</u></link>'
    return text


def _flowables(blocks: list[Block], styles: dict[str, ParagraphStyle], empty: str) -> list[Any]:
    if not blocks:
        return [Paragraph(escape(empty), styles["empty"])] if empty else []
    out: list[Any] = []
    for block in blocks:
        text = "".join(_markup(run) for run in block.runs)
        style = styles["cell"]
        if block.kind == "heading":
            out.append(Paragraph(f"<b>{text}</b>", style))
        elif block.kind in ("bullet", "number"):
            indent = 10 + 10 * block.level
            item = ParagraphStyle("item", style, leftIndent=indent, bulletIndent=indent - 9)
            bullet = "\u2022" if block.kind == "bullet" else f"{block.number}."
            out.append(Paragraph(text, item, bulletText=bullet))
        elif block.kind == "quote":
            out.append(Paragraph(f"<i>{text}</i>", ParagraphStyle("q", style, leftIndent=12)))
        elif block.kind == "code":
            out.append(Paragraph(text, styles["mono"]))
        else:
            out.append(Paragraph(text, style))
    return out


def _plain(text: str) -> list[Block]:
    return [Block("p", runs=[Run(line)]) for line in text.split("\n") if line] if text else []


def _grid(extra: list[tuple[Any, ...]] | None = None) -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#7F8FA6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        *(extra or []),
    ])


def _label_table(rows: list[tuple[str, list[Block]]], styles: dict[str, ParagraphStyle],
                 empty: str) -> Table:
    data = [[Paragraph(escape(label), styles["label"]), _flowables(blocks, styles, empty)]
            for label, blocks in rows]
    # splitInRow: a cell taller than a page (a long section, a pasted report) flows on to the
    # next page; without it reportlab can only split between rows and fails with LayoutError.
    return Table(data, colWidths=[5.2 * cm, WIDTH - 5.2 * cm],
                 style=_grid([("BACKGROUND", (0, 0), (0, -1), LABEL_FILL)]), splitInRow=1)


def _commitment(page: CommitmentPage, styles: dict[str, ParagraphStyle], empty: str) -> list[Any]:
    story: list[Any] = [Paragraph(escape(page.heading), styles["h1"])]
    story.append(_label_table([(k, _plain(v)) for k, v in page.overview], styles, empty))
    story.append(Spacer(1, 8))
    story.append(Table([[Paragraph(escape(page.description_title), styles["header"])]],
                       colWidths=[WIDTH], style=_grid([("BACKGROUND", (0, 0), (-1, -1),
                                                         HEADER_FILL)])))
    story.append(_label_table(page.sections, styles, empty))
    header = [Paragraph(escape(text), styles["header"]) for text in page.milestone_header]
    rows: list[list[Any]] = [header]
    for values in page.milestone_rows:
        rows.append([_flowables(_plain(value), styles, "") for value in values])
    extra: list[tuple[Any, ...]] = [("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)]
    if not page.milestone_rows:
        rows.append([Paragraph(escape(empty), styles["empty"]), "", "", "", ""])
        extra.append(("SPAN", (0, 1), (-1, 1)))
    widths = [0.34, 0.14, 0.14, 0.2, 0.18]
    milestones = Table(rows, colWidths=[w * WIDTH for w in widths], repeatRows=1, splitInRow=1,
                       style=_grid(extra))
    story.append(KeepTogether([Paragraph(escape(page.milestones_title), styles["h2"]),
                               milestones]))
    contacts = _label_table([(k, _plain(v)) for k, v in page.contact_rows], styles, empty)
    story.append(KeepTogether([Paragraph(escape(page.contact_title), styles["h2"]), contacts]))
    return story


def write_pdf(plan: PlanDocument, out: IO[bytes]) -> None:
    register_fonts()
    styles = _styles()

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FAMILY, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(2 * cm, 1.2 * cm, plan.footer)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, str(document.page))
        canvas.restoreState()

    story: list[Any] = [Paragraph(escape(plan.title), styles["title"])]
    story += [Paragraph(escape(line), styles["subtitle"]) for line in plan.subtitle]
    story.append(Paragraph(escape(plan.contents_title), styles["h2"]))
    story += [Paragraph(escape(line), styles["body"], bulletText=f"{n}.")
              for n, line in enumerate(plan.contents, start=1)]
    for page in plan.pages:
        story.append(PageBreak())
        story += _commitment(page, styles, plan.empty)
    if plan.annex:
        story.append(PageBreak())
        story.append(Paragraph(escape(plan.annex_title), styles["h1"]))
        story += [Paragraph(escape(line), styles["body"], bulletText="\u2022")
                  for line in plan.annex]
    story.append(PageBreak())
    story.append(Paragraph(escape(plan.verification_title), styles["h1"]))
    intro, *note = plan.verification
    story.append(Paragraph(escape(intro), styles["body"]))
    story.append(Spacer(1, 6))
    story += [Paragraph(escape(line) or "&nbsp;", styles["mono"]) for line in note]
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
        bottomMargin=2 * cm, title=plan.title, lang=plan.language,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
