"""The audit routes of the web app.

Public (anyone may keep a checkpoint and later ask for proof the log only grew):
    GET  /api/audit/checkpoints          every signed checkpoint, JSON and signed-note text
    GET  /api/audit/keys                 the public keys, current and retired, with their vkeys
    GET  /api/audit/consistency?from=N[&to=M]
Secretariat:
    POST /api/audit/checkpoints          sign and record a checkpoint now
Auditors and the Secretariat:
    GET  /api/audit/bundle?plan=PLAN     the audit bundle (JSON Lines) of a plan

GET requests never write: a bundle (and the evidence pack) records no checkpoint; its header
carries one signed at export, and the Secretariat records one with the POST.

Export downloads (the plan as DOCX/PDF, open data, the evidence pack) are in
``audit.exports.routes``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from events.record import Stakeholder
from events.store import EventStore
from httpapi.openapi import Documented
from httpapi.params import BadNumber, whole_number

from . import openapi
from .bundle import UnknownPlan, export_bundle
from .callers import caller, require
from .callers import error as _error
from .checkpoints import DEFAULT_ORIGIN, create_checkpoint, list_checkpoints
from .keys import Signer, load_signer
from .proofs import ProofRequestError, prove_consistency

AUDIT_READERS = frozenset({Stakeholder.AUDITOR, Stakeholder.SECRETARIAT})


def signer_of(app: Any) -> Signer:
    """The server's checkpoint signer (``app.state.signer`` if set, else the data dir's key).

    The process calls ``await create_checkpoint(app.state.store, signer_of(app))`` at every
    stage advance."""
    state = app.state
    signer: Signer | None = getattr(state, "signer", None)
    if signer is None:
        signer = state.signer = load_signer(state.settings.data_dir)
    return signer


def _store(request: Request) -> EventStore:
    store: EventStore = request.app.state.store
    return store


async def checkpoints(request: Request) -> Response:
    refused = await caller(request)
    if isinstance(refused, Response):
        return refused
    listed = await list_checkpoints(_store(request))
    return JSONResponse({
        "origin": DEFAULT_ORIGIN,
        "public_keys": signer_of(request.app).keyring.to_json(),
        "checkpoints": [{**c.to_json(), "note": c.note()} for c in listed],
    })


async def sign_now(request: Request) -> Response:
    allowed = await require(request, frozenset({Stakeholder.SECRETARIAT}))
    if isinstance(allowed, Response):
        return allowed
    checkpoint = await create_checkpoint(_store(request), signer_of(request.app))
    return JSONResponse({**checkpoint.to_json(), "note": checkpoint.note()}, status_code=201)


async def keys(request: Request) -> Response:
    refused = await caller(request)
    if isinstance(refused, Response):
        return refused
    signer = signer_of(request.app)
    return JSONResponse({"public_keys": signer.keyring.to_json(), "current": signer.key_id,
                         "vkey": signer.vkey})


def _size(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return whole_number(raw, name)
    except BadNumber as error:
        raise ProofRequestError(f"{error} (a tree size)") from None


async def consistency(request: Request) -> Response:
    refused = await caller(request)
    if isinstance(refused, Response):
        return refused
    try:
        old_size = _size(request, "from")
        if old_size is None:
            raise ProofRequestError("give from=N, the size of the checkpoint you kept")
        proof = await prove_consistency(_store(request), old_size, _size(request, "to"))
    except ProofRequestError as error:
        return _error(400, str(error))
    return JSONResponse(proof.to_json())


def _temporary_file() -> tuple[Path, Any]:
    fd, name = tempfile.mkstemp(prefix="kokreasi-bundle-", suffix=".jsonl")
    return Path(name), os.fdopen(fd, "w", encoding="utf-8")


async def bundle(request: Request) -> Response:
    allowed = await require(request, AUDIT_READERS)
    if isinstance(allowed, Response):
        return allowed
    plan = request.query_params.get("plan", "").strip()
    if not plan:
        return _error(400, "give plan=PLAN_ID")
    signer = signer_of(request.app)
    path, handle = _temporary_file()
    try:
        with handle:
            await export_bundle(_store(request), plan, handle, signer=signer)
    except UnknownPlan as error:
        path.unlink(missing_ok=True)
        return _error(404, str(error))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type="application/x-ndjson",
        filename=f"kokreasi-audit-{plan}.jsonl",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def routes() -> list[BaseRoute]:
    from .exports.routes import routes as export_routes

    return [
        *export_routes(),
        Documented("/api/audit/checkpoints", checkpoints, method="GET",
                   operation=openapi.CHECKPOINTS),
        Documented("/api/audit/checkpoints", sign_now, method="POST",
                   operation=openapi.SIGN_CHECKPOINT),
        Documented("/api/audit/keys", keys, method="GET", operation=openapi.KEYS),
        Documented("/api/audit/consistency", consistency, method="GET",
                   operation=openapi.CONSISTENCY),
        Documented("/api/audit/bundle", bundle, method="GET", operation=openapi.BUNDLE),
    ]
