"""Export downloads in the web app.

    GET /api/exports/{plan}/plan.docx|plan.pdf?lang=id|en&stage=STAGE
    GET /api/exports/{plan}/opendata.json | opendata.zip (CSV)
    GET /api/exports/{plan}/evidence.zip            auditors and the Secretariat (records nothing)

Signed-in CSOs, ministries, the Secretariat and auditors get every commitment; anyone else
only what the Secretariat published (``process.permissions.can_read``). Plans and open data are
built once per log position and off the event loop (``cache``); anonymous callers are
limited per client address (``Settings.extra``: ``export_per_client``, ...), so a flood of
downloads costs the people editing nothing.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from functools import partial

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from commitment.labels import LANGUAGES
from events.record import Actor, RecordedEvent, Stakeholder
from events.store import EventStore
from httpapi.openapi import Documented
from process.errors import RateLimited
from process.http import client_address, configured_limiter, error_response
from process.permissions import reads_unpublished
from process.ratelimit import Limits, RateLimiter, Refusals
from projections import workers

from .. import openapi
from ..callers import caller, require
from ..callers import error as _error
from .cache import Built, ExportCache, ExportKey
from .documents import MEDIA_TYPES
from .evidence import write_evidence_pack
from .jobs import ExportJob, render, shareable, visible_to
from .plan import ExportError, PlanView, plan_view, read_log

EVIDENCE_READERS = frozenset({Stakeholder.AUDITOR, Stakeholder.SECRETARIAT})
# Anonymous downloads: a person fetches a few files; the cache makes repeats cheap, the limit
# keeps one address from making the server build a new file at every keystroke's position.
ANONYMOUS_LIMITS = Limits(per_client=20, per_client_window_s=600.0, total=3000,
                          total_window_s=60.0)
ANONYMOUS_REFUSALS = Refusals(
    "Terlalu banyak unduhan dari alamat ini; coba lagi nanti / too many downloads from this "
    "address; please try again later",
    "Terlalu banyak unduhan saat ini; coba lagi sebentar lagi / too many downloads right "
    "now; please try again shortly",
)

Render = Callable[[PlanView], Built]


def exports_of(app: Starlette) -> ExportCache:
    state = app.state
    cache: ExportCache | None = getattr(state, "export_cache", None)
    if cache is None:
        cache = state.export_cache = ExportCache()
        metrics = getattr(state, "metrics", None)
        if metrics is not None:
            metrics.counter("kokreasi_export_builds_total",
                            "exports built (each key once; the rest come from the cache)",
                            lambda: float(cache.builds))
            metrics.counter("kokreasi_export_cache_hits_total",
                            "exports served from the cache or from a build under way",
                            lambda: float(cache.hits))
    return cache


def anonymous_limiter_of(app: Starlette) -> RateLimiter:
    return configured_limiter(app, "export", ANONYMOUS_LIMITS, ANONYMOUS_REFUSALS)


async def _serve(
    request: Request, actor: Actor | None, file: str, language: str, render: Render
) -> Response:
    """The export named ``file`` of the plan in the path, at the log's head now."""
    if actor is None:
        try:
            anonymous_limiter_of(request.app).take(client_address(request))
        except RateLimited as refused:
            return error_response(refused)
    store: EventStore = request.app.state.store
    plan_id = request.path_params["plan"]
    stage = request.query_params.get("stage") or None
    head = (await store.head()).position
    key = ExportKey(plan_id, file, language, stage, head, reads_unpublished(actor))
    database_url: str = request.app.state.settings.database_url
    try:
        if shareable(database_url):
            job = ExportJob(database_url, plan_id, stage, head, actor, file, language)
            built = await exports_of(request.app).get(key, _job(job), workers.call)
        else:
            built = await exports_of(request.app).get(
                key, _log(store, head), _builder(plan_id, stage, actor, render))
    except ExportError as error:
        return _error(404 if "no plan" in str(error) else 400, str(error))
    if built.filename is None:
        return Response(built.data, media_type=built.media_type)
    return _download(built.data, built.media_type, built.filename)


def _job(job: ExportJob) -> Callable[[], Awaitable[ExportJob]]:
    async def read() -> ExportJob:
        return job

    return read


def _log(store: EventStore, head: int) -> Callable[[], Awaitable[list[RecordedEvent]]]:
    async def read() -> list[RecordedEvent]:
        return await read_log(store, head)

    return read


def _builder(plan_id: str, stage: str | None, actor: Actor | None,
             render: Render) -> Callable[[list[RecordedEvent]], Built]:
    def build(log: list[RecordedEvent]) -> Built:
        return render(plan_view(log, plan_id, stage=stage, visible=visible_to(actor)))

    return build


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


async def plan_document(request: Request) -> Response:
    actor = await caller(request)  # the registry's word first: a deactivated person is refused
    if isinstance(actor, Response):
        return actor
    fmt = request.path_params["format"]
    if fmt not in MEDIA_TYPES:
        return _error(404, f"the plan is exported as plan.docx or plan.pdf, not plan.{fmt}")
    language = request.query_params.get("lang", "id")
    if language not in LANGUAGES:  # before the log is read for nothing
        return _error(400, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")

    file = f"plan.{fmt}"
    return await _serve(request, actor, file, language, partial(render, file=file,
                                                               language=language))


async def opendata(request: Request) -> Response:
    actor = await caller(request)  # the registry's word first: a deactivated person is refused
    if isinstance(actor, Response):
        return actor
    fmt = request.path_params["format"]
    if fmt not in ("json", "zip"):
        return _error(404, "open data comes as opendata.json or opendata.zip (CSV)")

    file = f"opendata.{fmt}"
    return await _serve(request, actor, file, "", partial(render, file=file, language=""))


async def evidence(request: Request) -> Response:
    allowed = await require(request, EVIDENCE_READERS)
    if isinstance(allowed, Response):
        return allowed
    from ..api import signer_of

    signer = signer_of(request.app)
    plan = request.path_params["plan"]
    out = io.BytesIO()
    try:
        await write_evidence_pack(request.app.state.store, plan, out, signer=signer,
                                  database_url=request.app.state.settings.database_url)
    except ExportError as error:
        return _error(404, str(error))
    return _download(out.getvalue(), "application/zip", f"{plan}-evidence.zip")


def routes() -> list[BaseRoute]:
    plan_path = "/api/exports/{plan:str}"
    return [
        Documented(plan_path + "/plan.{format:str}", plan_document, method="GET",
                   operation=openapi.PLAN_DOCUMENT),
        Documented(plan_path + "/opendata.{format:str}", opendata, method="GET",
                   operation=openapi.OPEN_DATA),
        Documented(plan_path + "/evidence.zip", evidence, method="GET",
                   operation=openapi.EVIDENCE),
    ]
