"""HTTP routes of the projections: history, time travel, snapshots, comparison, blame and
contributions. Auditors, the Secretariat and authors may read them; the public may not.

The server includes ``routes()``; the tables come from ``app.state.projections`` (a
``ProjectionService``), started on first use when the server did not start one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from events.record import Stakeholder
from httpapi.openapi import Documented
from httpapi.params import looks_whole, whole_number
from httpapi.problems import problem
from identity.access import SignInRefused
from identity.auth import current_actor

from . import openapi, queries
from .service import ProjectionService

Handler = Callable[[Request, ProjectionService], Awaitable[Any]]


async def _service(request: Request) -> ProjectionService:
    state = request.app.state
    service: ProjectionService | None = getattr(state, "projections", None)
    if service is None:
        lock = getattr(state, "projections_opening", None)
        if lock is None:
            lock = state.projections_opening = asyncio.Lock()
        async with lock:
            service = getattr(state, "projections", None)
            if service is None:
                service = await ProjectionService.start(
                    state.settings.database_url, state.store
                )
                state.projections = service
    return service


def _error(status: int, message: str, code: str | None = None) -> Response:
    return problem(status, message, code=code)


def _guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            actor = await current_actor(request)
        except SignInRefused as refused:
            return _error(refused.status, refused.message, refused.code)
        if actor is None:
            return _error(401, "sign in to see the history of a commitment")
        if actor.stakeholder is Stakeholder.PUBLIC:
            return _error(403, "the public reads published drafts, not their history")
        try:
            return JSONResponse(await handler(request, await _service(request)))
        except queries.NotFound as error:
            return _error(404, str(error))
        except (queries.QueryError, ValueError) as error:
            return _error(400, str(error))

    return endpoint


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    return whole_number(raw, name)


def _filters(request: Request, allowed: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in allowed and v}


async def history(request: Request, service: ProjectionService) -> Any:
    document_id = request.path_params["document_id"]
    return await queries.history(
        service.storage, service.store, document_id,
        filters=_filters(request, queries.HISTORY_FILTERS),
        after=_int(request, "after", 0) or 0, limit=_int(request, "limit", 50) or 50,
    )


async def content_at(request: Request, service: ProjectionService) -> Any:
    document_id = request.path_params["document_id"]
    ref: str = request.path_params["at"]
    if looks_whole(ref):
        return await queries.content_at(service.storage, service.store, document_id,
                                        position=whole_number(ref, "at"))
    try:
        moment = datetime.fromisoformat(ref.replace("Z", "+00:00"))
    except ValueError as error:
        raise queries.QueryError(
            f"{ref!r} is neither a log position nor an ISO 8601 timestamp"
        ) from error
    if moment.tzinfo is None:
        raise queries.QueryError("give the timestamp with its time zone, e.g. ...Z")
    return await queries.content_at(service.storage, service.store, document_id, moment=moment)


async def snapshots(request: Request, service: ProjectionService) -> Any:
    document_id = request.path_params["document_id"]
    return {"document_id": document_id,
            "snapshots": await queries.snapshots(service.storage, document_id)}


async def compare(request: Request, service: ProjectionService) -> Any:
    document_id = request.path_params["document_id"]
    source = request.query_params.get("from")
    if not source:
        raise queries.QueryError("give from= (a stage such as draft2, a position, or now)")
    return await queries.compare_versions(
        service.storage, service.store, document_id, source,
        request.query_params.get("to") or "now",
    )


async def attribution(request: Request, service: ProjectionService) -> Any:
    return await queries.attribution(
        service.storage, service.store, request.path_params["document_id"],
        _int(request, "at"),
    )


async def contributions(request: Request, service: ProjectionService) -> Any:
    group_by = [g for g in request.query_params.get("group_by", "person").split(",") if g]
    return {"contributions": await queries.contributions(
        service.storage, filters=_filters(request, queries.CONTRIBUTION_FILTERS),
        group_by=group_by, store=service.store,
    )}


DOCUMENT = "/api/documents/{document_id}"


def routes() -> list[BaseRoute]:
    return [
        Documented(f"{DOCUMENT}/history", _guarded(history), method="GET",
                   operation=openapi.HISTORY),
        Documented(f"{DOCUMENT}/at/{{at}}", _guarded(content_at), method="GET",
                   operation=openapi.CONTENT_AT),
        Documented(f"{DOCUMENT}/snapshots", _guarded(snapshots), method="GET",
                   operation=openapi.SNAPSHOTS),
        Documented(f"{DOCUMENT}/compare", _guarded(compare), method="GET",
                   operation=openapi.COMPARE),
        Documented(f"{DOCUMENT}/attribution", _guarded(attribution), method="GET",
                   operation=openapi.ATTRIBUTION),
        Documented("/api/contributions", _guarded(contributions), method="GET",
                   operation=openapi.CONTRIBUTIONS),
    ]
