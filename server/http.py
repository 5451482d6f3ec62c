"""The live server's plain HTTP routes (health, metrics, the websocket address asked over
plain HTTP) and the web bundle's static files."""

from __future__ import annotations

import hmac
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from httpapi.openapi import operation

from .metrics import Metrics

STATIC_DIR = Path(__file__).resolve().parent / "static"
API_PREFIXES = ("/api/", "/ws/", "/healthz", "/metrics")


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


HEALTH = operation("health", "Whether this instance is ready: 200 with its rooms and "
                   "connections, 503 while it starts", "anyone", tag="server", errors=(503,))
METRICS = operation("metrics", "Prometheus metrics of this instance", "anyone, or who has "
                    "KOKREASI_METRICS_TOKEN when it is set", tag="server",
                    media_type="text/plain", errors=(401,))
WEBSOCKET = operation("websocket", "The y-websocket endpoint of a document: connect with a "
                      "websocket (Upgrade: websocket; docs/contracts.md); a plain GET answers 426",
                      "anyone who may read the document", tag="server",
                      status=426, media_type="text/plain")


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
    """Prometheus metrics; behind ``KOKREASI_METRICS_TOKEN`` (as a bearer token) when set."""
    wanted: str | None = getattr(request.app.state.settings, "metrics_token", None)
    if wanted:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), wanted):
            return PlainTextResponse("a metrics token is required\n", status_code=401,
                                     headers={"www-authenticate": 'Bearer realm="metrics"'})
    registry: Metrics = request.app.state.metrics
    return PlainTextResponse(registry.render(), media_type=registry.content_type)


async def upgrade_required(request: Request) -> Response:
    """A plain HTTP request to a websocket address: say how to talk to it."""
    return PlainTextResponse(
        "this is a y-websocket endpoint: connect with a websocket (Upgrade: websocket)\n",
        status_code=426, headers={"upgrade": "websocket", "connection": "Upgrade"},
    )
