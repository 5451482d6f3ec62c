"""Export downloads in the web app.

    GET /api/exports/{plan}/plan.docx|plan.pdf?lang=id|en&stage=STAGE
    GET /api/exports/{plan}/opendata.json | opendata.zip (CSV)
    GET /api/exports/{plan}/evidence.zip            auditors and the Secretariat

Signed-in CSOs, ministries, the Secretariat and auditors get every commitment; anyone else
only what the Secretariat published (``process.rules.can_read``).
"""

from __future__ import annotations

import asyncio
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from events.record import Actor, Stakeholder
from events.store import EventStore
from process.rules import can_read
from process.state import Commitment, ProcessState

from ..callers import caller, require
from ..callers import error as _error
from .documents import MEDIA_TYPES, write_plan
from .evidence import write_evidence_pack
from .opendata import open_data, write_csv_zip, write_json
from .plan import ExportError, PlanView, Visible, load_plan

EVIDENCE_READERS = frozenset({Stakeholder.AUDITOR, Stakeholder.SECRETARIAT})


def _visible(actor: Actor | None) -> Visible:
    def visible(state: ProcessState, commitment: Commitment) -> bool:
        return can_read(state, actor, commitment).allowed

    return visible


async def _view(request: Request, actor: Actor | None) -> PlanView:
    store: EventStore = request.app.state.store
    return await load_plan(
        store,
        request.path_params["plan"],
        stage=request.query_params.get("stage") or None,
        visible=_visible(actor),
    )


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


async def plan_document(request: Request) -> Response:
    actor = await caller(request)
    if isinstance(actor, Response):
        return actor
    fmt = request.path_params["format"]
    if fmt not in MEDIA_TYPES:
        return _error(404, f"the plan is exported as plan.docx or plan.pdf, not plan.{fmt}")
    language = request.query_params.get("lang", "id")
    try:
        view = await _view(request, actor)
        out = io.BytesIO()
        # Laying out a plan takes a while of pure CPU: keep the event loop free meanwhile.
        await asyncio.to_thread(write_plan, view, fmt, out, language=language)
    except ExportError as error:
        status = 404 if "no plan" in str(error) else 400
        return _error(status, str(error))
    stage = f"-{view.stage}" if view.snapshot else ""
    return _download(out.getvalue(), MEDIA_TYPES[fmt],
                     f"{view.plan.id}{stage}-{language}.{fmt}")


async def opendata(request: Request) -> Response:
    if request.path_params["format"] not in ("json", "zip"):
        return _error(404, "open data comes as opendata.json or opendata.zip (CSV)")
    actor = await caller(request)
    if isinstance(actor, Response):
        return actor
    try:
        view = await _view(request, actor)
    except ExportError as error:
        return _error(404 if "no plan" in str(error) else 400, str(error))
    data = open_data(view)
    if request.path_params["format"] == "json":
        text = io.StringIO()
        write_json(data, text)
        return Response(text.getvalue(), media_type="application/json")
    out = io.BytesIO()
    write_csv_zip(data, out)
    return _download(out.getvalue(), "application/zip", f"{view.plan.id}-opendata.zip")


async def evidence(request: Request) -> Response:
    allowed = await require(request, EVIDENCE_READERS)
    if isinstance(allowed, Response):
        return allowed
    from ..api import signer_of

    signer = signer_of(request.app)
    plan = request.path_params["plan"]
    out = io.BytesIO()
    try:
        await write_evidence_pack(request.app.state.store, plan, out, keyring=signer.keyring,
                                  signer=signer)
    except ExportError as error:
        return _error(404, str(error))
    return _download(out.getvalue(), "application/zip", f"{plan}-evidence.zip")


def routes() -> list[BaseRoute]:
    plan_path = "/api/exports/{plan:str}"
    return [
        Route(plan_path + "/plan.{format:str}", plan_document, methods=["GET"]),
        Route(plan_path + "/opendata.{format:str}", opendata, methods=["GET"]),
        Route(plan_path + "/evidence.zip", evidence, methods=["GET"]),
    ]
