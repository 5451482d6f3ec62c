"""The plan in the commitment template, as DOCX or PDF: load, lay out, write."""

from __future__ import annotations

from typing import IO

from events.record import utc_now
from events.store import EventStore

from .labels import Labels
from .layout import layout
from .pdf import write_pdf
from .plan import ExportError, PlanView, Visible, load_plan
from .word import write_docx

FORMATS = ("docx", "pdf")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def write_plan(view: PlanView, fmt: str, out: IO[bytes], *, language: str = "id") -> None:
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        labels = Labels(language)
    except ValueError as error:
        raise ExportError(str(error)) from error
    document = layout(view, labels, utc_now())
    (write_docx if fmt == "docx" else write_pdf)(document, out)


async def export_plan(
    store: EventStore,
    plan_id: str,
    fmt: str,
    out: IO[bytes],
    *,
    language: str = "id",
    stage: str | None = None,
    visible: Visible | None = None,
) -> PlanView:
    """Write plan ``plan_id`` (now, or at the end of ``stage``) to ``out``."""
    view = await load_plan(store, plan_id, stage=stage, visible=visible)
    write_plan(view, fmt, out, language=language)
    return view
