"""The live server's plain HTTP routes (health, metrics) and the web bundle's static files."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

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
