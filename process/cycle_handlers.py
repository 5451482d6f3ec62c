"""The handlers of the consultation's window, moderation and face-to-face input, and of
implementation: progress reports and evidence files."""

from __future__ import annotations

import asyncio
import base64
import binascii
import urllib.parse
from typing import Any

from starlette.responses import Response

from commitment.template import read_commitment

from . import permissions, views
from .consultation import row_of, rows_of_csv
from .cycle_state import Implementation
from .cycle_views import evidence_json, progress_json, report_json
from .errors import Forbidden, Invalid, NotFound
from .http import Call, ok
from .records import Commitment
from .state import ProcessState


async def schedule_consultation(call: Call) -> Response:
    plan = await call.service.schedule_consultation(
        call.actor, call.param("plan_id"), call.body["opens"], call.body["closes"])
    state = await call.service.state()
    return ok(views.plan_json(state, plan, call.actor))


async def hide_input(call: Call) -> Response:
    item = await call.service.hide_input(call.actor, call.param("input_id"),
                                         call.body["reason"])
    return ok(views.input_json(item, call.actor, call.service.sealer))


async def enter_inputs(call: Call) -> Response:
    """Face-to-face input: a list of objects, or a CSV export of them, not both."""
    b = call.body
    given: list[Any] | None = b.get("inputs")
    if (given is None) == (b.get("csv") is None):
        raise Invalid("give either inputs (a list) or csv (the text of a CSV file)",
                      code="inputs_or_csv")
    if given is not None:
        rows = [row_of(value, f"inputs[{n}]") for n, value in enumerate(given)]
    else:
        rows = rows_of_csv(str(b["csv"]))
    items = await call.service.enter_inputs(call.actor, call.param("plan_id"),
                                            b["session_id"], rows)
    return ok({"inputs": [views.input_json(i, call.actor, call.service.sealer)
                          for i in items]}, 201)


# -- implementation -------------------------------------------------------------------------


async def open_implementation(call: Call) -> Response:
    plan = await call.service.open_implementation(call.actor, call.param("plan_id"))
    state = await call.service.state()
    return ok(views.plan_json(state, plan, call.actor))


async def _readable(call: Call) -> tuple[ProcessState, Commitment]:
    state = await call.service.state()
    commitment = call.service.commitment(state, call.param("commitment_id"))
    read = permissions.can_read(state, call.actor, commitment)
    if not read.allowed:
        raise Forbidden(read.reason)
    return state, commitment


async def list_progress(call: Call) -> Response:
    state, commitment = await _readable(call)
    doc = await call.service.runtime.document(commitment.document_id)
    implementation = state.implementations.get(commitment.id) or Implementation()
    return ok(progress_json(commitment.id, implementation,
                            len(read_commitment(doc).milestones)))


async def report_progress(call: Call) -> Response:
    b = call.body
    report = await call.service.report(
        call.actor, call.param("commitment_id"), kind=b.get("kind", "progress"),
        milestone=b.get("milestone"), status=b.get("status"), note=b.get("note") or "",
        period=b.get("period") or "", on_behalf_of=b.get("on_behalf_of"),
        disputes=b.get("disputes"), evidence=b.get("evidence") or [], links=b.get("links") or [],
    )
    return ok(report_json(report), 201)


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("content_base64 is not base64 (RFC 4648, no line breaks)",
                      code="invalid_base64") from None


async def upload_evidence(call: Call) -> Response:
    b = call.body
    data = await asyncio.to_thread(_decode, b["content_base64"])
    evidence = await call.service.upload_evidence(
        call.actor, call.param("commitment_id"), b["filename"], b["content_type"], data)
    return ok(evidence_json(evidence, call.param("commitment_id")), 201)


async def download_evidence(call: Call) -> Response:
    state, commitment = await _readable(call)
    sha256 = call.param("sha256")
    implementation = state.implementations.get(commitment.id)
    evidence = implementation.evidence.get(sha256) if implementation else None
    if evidence is None or call.service.evidence is None:
        raise NotFound(f"no evidence {sha256!r} for this commitment")
    try:
        data = await asyncio.to_thread(call.service.evidence.read, sha256)
    except FileNotFoundError:
        raise NotFound(f"the evidence file {sha256} is recorded but not stored on this "
                       "server") from None
    quoted = urllib.parse.quote(evidence.filename)
    return Response(data, media_type=evidence.content_type, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quoted}",
        "x-content-type-options": "nosniff", "cache-control": "private, max-age=3600",
        "etag": f'"{sha256}"'})
