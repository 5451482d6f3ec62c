"""The application: the live co-editing endpoint plus the routes other parts contribute.

Shared services live on ``app.state``: ``settings``, ``store``, ``rooms``, ``policy``,
``broker``, ``metrics``, ``limits``, ``instance_id``. Other parts add routes through
``process.api``, ``projections.api`` and ``audit.api`` (each ``routes() -> list[BaseRoute]``);
the web bundle in ``server/static`` is mounted last, with ``index.html`` for unknown non-API
paths so the single-page app's own routes work on reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

import events
from projections.service import ProjectionService

from .access import AccessPolicy, OpenPolicy
from .connection import AddressResolver, Connection, endpoint
from .fanout import Broker, InProcessBroker, RedisBroker
from .limits import AddressGuard, Limits, PersonLimits, QuietRefusals
from .loading import ProjectionCheckpoints
from .metrics import Metrics
from .rooms import MAX_IN_FLIGHT, RoomManager, RoomServices
from .settings import Settings

log = logging.getLogger("kokreasi.app")

STATIC_DIR = Path(__file__).resolve().parent / "static"
ROUTE_MODULES = ("process.api", "projections.api", "audit.api")
API_PREFIXES = ("/api/", "/ws/", "/healthz", "/metrics")
PUBLISH_QUEUE = 10_000


class SinglePageFiles(StaticFiles):
    """Static files, falling back to ``index.html`` so client-side routes survive a reload."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            request_path: str = scope.get("path", "")
            if error.status_code != 404 or request_path.startswith(API_PREFIXES):
                raise
            return await super().get_response("index.html", scope)


async def healthz(request: Request) -> Response:
    state = request.app.state
    if not getattr(state, "ready", False):
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({
        "status": "ok",
        "instance": state.instance_id,
        "rooms": len(state.rooms.rooms),
        "connections": len(state.connections),
    })


async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return PlainTextResponse(registry.render(), media_type="text/plain; version=0.0.4")


def contributed_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        routes.extend(module.routes())
    return routes


class _Publisher:
    """One task forwards fan-out messages in order, so rooms never wait on Redis."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue(PUBLISH_QUEUE)
        self._task = asyncio.create_task(self._run(), name="fan-out publisher")

    def publish(self, document_id: str, message: bytes) -> None:
        try:
            self._queue.put_nowait((document_id, message))
        except asyncio.QueueFull:
            # Other instances notice the version gap and read the log instead.
            log.warning("fan-out queue full; dropping a message for %s", document_id)

    async def _run(self) -> None:
        while (item := await self._queue.get()) is not None:
            await self._broker.publish(*item)

    async def close(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=5.0)


def create_app(
    settings: Settings,
    *,
    policy: AccessPolicy | None = None,
    broker: Broker | None = None,
    limits: Limits | None = None,
    idle_grace: float = 30.0,
) -> Starlette:
    """The whole server. ``broker`` and ``limits`` default from ``settings``."""
    limits = limits or Limits(max_message_bytes=settings.max_message_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = app.state
        state.store = await events.open_store(
            settings.database_url, group_commit_wait_ms=settings.group_commit_wait_ms
        )
        chosen: Broker = broker or (
            RedisBroker(settings.redis_url) if settings.redis_url else InProcessBroker()
        )
        state.broker = chosen
        alone = settings.embedded and broker is None and settings.redis_url is None
        # History, snapshots and attribution follow the log from the start, so the first
        # person to open a history page does not wait for a fold of the whole log; rooms
        # start from the document states it keeps.
        state.projections = await ProjectionService.start(settings.database_url, state.store)
        publisher = _Publisher(chosen)
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
            ),
            idle_grace=idle_grace,
        )
        state.rooms.start()
        await chosen.start(state.rooms.on_broker_message, state.rooms.on_broker_reconnect)

        async def access_changed() -> None:
            await state.rooms.refresh_access(state.policy.access)

        state.policy.on_change(access_changed)
        watchdog = asyncio.create_task(_watch_connections(state.connections, limits))
        state.ready = True
        log.info("serving", extra={"instance": state.instance_id})
        try:
            yield
        finally:
            state.ready = False
            watchdog.cancel()
            await state.rooms.close()  # finishes queued appends
            await state.projections.close()
            await publisher.close()
            await chosen.close()
            await state.store.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            WebSocketRoute("/ws/{document_id}", endpoint),
        ],
        lifespan=lifespan,
    )
    state = app.state
    state.settings = settings
    state.limits = limits
    state.limiter = PersonLimits(limits)
    state.address_guard = AddressGuard(limits.per_address)
    _quiet_refusals(logging.getLogger("uvicorn.error"))
    state.client_address = _address_resolver(settings)
    state.metrics = Metrics()
    state.instance_id = uuid.uuid4().hex[:12]
    state.connections = set[Connection]()
    state.ready = False
    state.policy = policy if policy is not None else _default_policy(app)
    state.metrics.gauge("kokreasi_connections", "open websocket connections",
                        lambda: float(len(state.connections)))
    state.metrics.gauge("kokreasi_rooms", "documents loaded in memory",
                        lambda: float(len(state.rooms.rooms)) if hasattr(state, "rooms") else 0.0)
    for route in contributed_routes():
        app.router.routes.append(route)
    if STATIC_DIR.is_dir():
        app.router.routes.append(Mount("/", SinglePageFiles(directory=STATIC_DIR, html=True)))
    return app


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


def _address_resolver(settings: Settings) -> AddressResolver | None:
    """Believe X-Forwarded-For from the proxies in KOKREASI_TRUSTED_PROXIES (the same rule as
    the process part's HTTP routes); without that module, the direct peer is the client."""
    try:
        proxies = importlib.import_module("process.proxies")
    except ModuleNotFoundError as error:
        if error.name not in ("process.proxies", "process"):
            raise
        return None
    trusted = proxies.from_environment(getattr(settings, "extra", {}) or {})
    resolve: AddressResolver = trusted.client_address
    return resolve


def _default_policy(app: Starlette) -> Any:
    try:
        module = importlib.import_module("process.policy")
    except ModuleNotFoundError as error:
        if error.name not in ("process.policy", "process"):
            raise
        return OpenPolicy()
    return module.create_policy(app)
