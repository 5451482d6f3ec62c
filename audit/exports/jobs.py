"""An export built in a worker process, from the log it reads itself.

Building a plan export folds the whole log and lays out every commitment: seconds of Python
and reportlab, which in a thread still take turns with the event loop for the GIL (measured in
``bench/heavy_reads.py``: editors' fan-out p99 rose from 20 ms to 1.5 s while PDFs were built
in threads). So the job carries only what names the export (the database, the plan, the log
position, the caller); the worker opens the log, reads it up to that position, folds and
renders, and sends back the file. The event loop reads nothing.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

import events
from events.record import Actor, RecordedEvent
from process.permissions import can_read
from process.records import Commitment
from process.state import ProcessState

from .cache import Built
from .documents import MEDIA_TYPES, write_plan
from .opendata import open_data, write_csv_zip, write_json
from .plan import PlanView, Visible, plan_view, read_log


def visible_to(actor: Actor | None) -> Visible:
    def visible(state: ProcessState, commitment: Commitment) -> bool:
        return can_read(state, actor, commitment).allowed

    return visible


def render(view: PlanView, file: str, language: str) -> Built:
    """``file``: plan.docx, plan.pdf, opendata.json or opendata.zip."""
    if file.startswith("plan."):
        fmt = file.removeprefix("plan.")
        out = io.BytesIO()
        write_plan(view, fmt, out, language=language)
        stage = f"-{view.stage}" if view.snapshot else ""
        return Built(out.getvalue(), MEDIA_TYPES[fmt], f"{view.plan.id}{stage}-{language}.{fmt}")
    data = open_data(view)
    if file == "opendata.json":
        text = io.StringIO()
        write_json(data, text)
        return Built(text.getvalue().encode(), "application/json", None)
    out = io.BytesIO()
    write_csv_zip(data, out)
    return Built(out.getvalue(), "application/zip", f"{view.plan.id}-opendata.zip")


def shareable(database_url: str) -> bool:
    """Whether another process can open the same log (not an in-memory SQLite)."""
    return ":memory:" not in database_url and "mode=memory" not in database_url


@dataclass(frozen=True, slots=True)
class ExportJob:
    database_url: str
    plan_id: str
    stage: str | None
    head: int  # the log position the export reflects
    actor: Actor | None
    file: str
    language: str

    def __call__(self) -> Built:
        log = asyncio.run(read_log_at(self.database_url, self.head))
        view = plan_view(log, self.plan_id, stage=self.stage, visible=visible_to(self.actor))
        return render(view, self.file, self.language)


async def read_log_at(database_url: str, head: int) -> list[RecordedEvent]:
    """The log up to ``head``, through a connection of this (worker) process's own."""
    store = await events.open_store(database_url, group_commit=False)
    try:
        return await read_log(store, head)
    finally:
        await store.close()
