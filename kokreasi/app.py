"""The assembled application: the live co-editing server, the process, projections and audit.

This is the one place that knows every part. It opens the event store, builds the rooms and
the broker, the process runtime and its policy, and hands each part the routes and hooks it
needs; the parts never look each other up. Shared services live on ``app.state``:
``settings``, ``store``, ``rooms``, ``policy``, ``broker``, ``metrics``, ``limits``,
``instance_id``, ``process_runtime``, ``process_service``, ``negotiation``, ``projections``, and
``session_check``, which identity asks at every authentication. The web bundle is
mounted last, with ``index.html`` for unknown non-API paths so the single-page app's own
routes work on reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from functools import partial

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, WebSocketRoute

import events
from audit.api import routes as audit_routes
from audit.api import signer_of
from audit.checkpoints import create_checkpoint
from events.record import Context
from httpapi.openapi import Documented
from httpapi.problems import in_both_languages, problem, wants_problem
from identity.access import AccessPolicy, DocumentAccess, Principal
from identity.auth import ACTOR_RESOLVER, SESSION_CHECK
from process.api import routes as process_routes
from process.negotiation.service import NegotiationService
from process.policy import RUNTIME_ATTRIBUTE, ProcessPolicy
from process.proxies import TrustedProxies
from process.registry import Registry
from process.runtime import ProcessRuntime
from process.service import ProcessService
from process.sessions import session_check
from projections.api import routes as projection_routes
from projections.service import ProjectionService
from server.appender import MAX_IN_FLIGHT
from server.connection import Connection, endpoint
from server.document_writer import RoomWriter
from server.fanout import Broker, InProcessBroker, RedisBroker
from server.fanout_seal import FanoutSeal
from server.http import (
    HEALTH,
    METRICS,
    STATIC_DIR,
    WEBSOCKET,
    SinglePageFiles,
    healthz,
    metrics,
    upgrade_required,
)
from server.limits import AddressGuard, Limits, PersonLimits, QuietRefusals
from server.loading import ProjectionCheckpoints
from server.logs import redact_request_logs
from server.metrics import Metrics
from server.publisher import Publisher
from server.room_manager import RoomManager
from server.rooms import RoomServices
from server.security import SameOriginWrites, SecurityHeaders
from server.sessions import close_ended_sessions, close_replaced_session

from .settings import Settings

log = logging.getLogger("kokreasi.app")


def create_app(
    settings: Settings,
    *,
    policy: AccessPolicy | None = None,
    broker: Broker | None = None,
    limits: Limits | None = None,
    idle_grace: float = 30.0,
) -> Starlette:
    """The whole server. ``policy`` defaults to the co-creation process's rules; ``broker``
    and ``limits`` default from ``settings``."""
    limits = limits or Limits(max_message_bytes=settings.max_message_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = app.state
        state.store = await events.open_store(
            settings.database_url, group_commit_wait_ms=settings.group_commit_wait_ms
        )
        chosen: Broker = broker or (
            RedisBroker(
                settings.redis_url,
                seal=FanoutSeal(settings.secret_key, settings.previous_secret_keys),
                on_rejected=state.metrics.fanout_rejected.inc,
            )
            if settings.redis_url else InProcessBroker()
        )
        state.broker = chosen
        alone = settings.embedded and broker is None and settings.redis_url is None
        # History, snapshots and attribution follow the log from the start, so the first
        # person to open a history page does not wait for a fold of the whole log; rooms
        # start from the document states it keeps.
        state.projections = await ProjectionService.start(settings.database_url, state.store)
        publisher = Publisher(chosen)

        async def decide_again(principal: Principal, document_id: str) -> DocumentAccess:
            # An append's guard failed: the log holds an event the state may not have folded.
            await runtime.ready()
            await runtime.wait_for((await state.store.head()).position)
            decided: AccessPolicy = state.policy
            return await decided.access(principal, document_id)

        state.rooms = RoomManager(
            RoomServices(
                store=state.store,
                metrics=state.metrics,
                limits=limits,
                instance_id=state.instance_id,
                publish=publisher.publish,
                checkpoints=ProjectionCheckpoints(state.projections.storage),
                # Pipelined appends need this instance to be the only writer of its documents.
                max_in_flight=MAX_IN_FLIGHT if alone else 1,
                decide_again=decide_again,
            ),
            idle_grace=idle_grace,
        )
        state.rooms.start()
        # The negotiation writes the review root and accepted suggestions through the rooms,
        # so connected editors see them at once.
        state.negotiation.writer = RoomWriter(state.rooms)
        await chosen.start(state.rooms.on_broker_message, state.rooms.on_broker_reconnect)

        async def access_changed() -> None:
            await state.rooms.refresh_access(state.policy.access)

        state.policy.on_change(access_changed)

        async def sessions_changed() -> None:
            await close_ended_sessions(state.connections, check)

        runtime.on_change(sessions_changed)  # whatever the policy: an ended session ends
        state.session_replaced = partial(close_replaced_session, state.connections)
        watchdog = asyncio.create_task(_watch_connections(state.connections, limits))
        state.ready = True
        log.info("serving", extra={"instance": state.instance_id})
        try:
            yield
        finally:
            state.ready = False
            watchdog.cancel()
            await runtime.close()  # stops following the log before the store closes
            await state.rooms.close()  # finishes queued appends
            await state.projections.close()
            await publisher.close()
            await chosen.close()
            await state.store.close()

    app = Starlette(
        routes=[
            Documented("/healthz", healthz, method="GET", operation=HEALTH),
            Documented("/metrics", metrics, method="GET", operation=METRICS),
            WebSocketRoute("/ws/{document_id}", endpoint),
            Documented("/ws/{document_id}", upgrade_required, method="GET", operation=WEBSOCKET),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_problem, Exception: _internal_problem},
        # Headers outermost, so that refusals carry them too.
        middleware=[Middleware(SecurityHeaders), Middleware(SameOriginWrites)],
    )
    state = app.state
    state.settings = settings
    state.limits = limits
    state.limiter = PersonLimits(limits)
    state.address_guard = AddressGuard(limits.per_address)
    _quiet_refusals(logging.getLogger("uvicorn.error"))
    redact_request_logs()  # invitation links and tokens are credentials
    # X-Forwarded-For is believed from KOKREASI_TRUSTED_PROXIES only: one rule for the live
    # server and the process's HTTP routes. A malformed setting stops the server at start.
    state.process_trusted_proxies = TrustedProxies.parse(
        settings.extra.get("trusted_proxies", settings.trusted_proxies))
    state.client_address = state.process_trusted_proxies.client_address
    state.metrics = Metrics()
    state.instance_id = uuid.uuid4().hex[:12]
    state.connections = set[Connection]()
    state.ready = False

    runtime = ProcessRuntime(lambda: app.state.store)  # the store opens with the lifespan

    async def sign_checkpoint(context: Context) -> None:
        # Each stage advance fixes the stage's history under a signed checkpoint.
        await create_checkpoint(app.state.store, signer_of(app), context=context)

    setattr(state, RUNTIME_ATTRIBUTE, runtime)
    check = session_check(runtime)
    setattr(state, SESSION_CHECK, check)  # identity asks it at every authentication
    # Every route asks the registry who is calling (identity.auth.current_actor).
    setattr(state, ACTOR_RESOLVER, Registry(runtime))
    state.process_service = ProcessService(
        runtime,
        settings.secret_key,
        on_stage_advanced=sign_checkpoint,
        previous_secret_keys=settings.previous_secret_keys,
        evidence_dir=settings.evidence_path,
    )
    state.negotiation = NegotiationService(state.process_service)
    state.policy = policy if policy is not None else ProcessPolicy(runtime)
    state.metrics.gauge("kokreasi_connections", "open websocket connections",
                        lambda: float(len(state.connections)))
    state.metrics.gauge("kokreasi_rooms", "documents loaded in memory",
                        lambda: float(len(state.rooms.rooms)) if hasattr(state, "rooms") else 0.0)
    app.router.routes.extend([*process_routes(), *projection_routes(), *audit_routes()])
    if STATIC_DIR.is_dir():
        app.router.routes.append(Mount("/", SinglePageFiles(directory=STATIC_DIR, html=True)))
    return app


async def _http_problem(request: Request, error: Exception) -> Response:
    """Unknown routes, wrong methods and the like: a problem on the API, plain text on pages."""
    if not isinstance(error, HTTPException):  # the only kind it is registered for
        raise error
    headers = dict(error.headers or {})
    if not wants_problem(request):
        return PlainTextResponse(error.detail, status_code=error.status_code, headers=headers)
    return problem(error.status_code, in_both_languages(error.status_code, str(error.detail)),
                   headers=headers)


async def _internal_problem(request: Request, error: Exception) -> Response:
    # Logged by the server with its traceback; the client learns nothing that may be sensitive.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(500, "Terjadi kesalahan di server / something went wrong on the server")


async def _watch_connections(connections: set[Connection], limits: Limits) -> None:
    """Drop clients that stopped reading after a burst, when nothing new is sent to them."""
    while True:
        await asyncio.sleep(max(0.1, limits.send_stall_seconds / 2))
        for connection in list(connections):
            connection.drop_if_too_slow()


def _quiet_refusals(logger: logging.Logger) -> None:
    """uvicorn logs each refused upgrade; keep a flood's refusals to a line now and then (once
    per process, however many apps are made)."""
    if not any(isinstance(f, QuietRefusals) for f in logger.filters):
        logger.addFilter(QuietRefusals())
