"""``/openapi.json`` lists every HTTP route of the assembled app, and is a valid OpenAPI
document: a route added without its documentation fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from kokreasi.app import create_app
from kokreasi.settings import Settings


async def test_every_route_is_in_a_valid_openapi_document(tmp_path: Path) -> None:
    app = create_app(Settings(tmp_path, f"sqlite:///{tmp_path}/e.db", None, b"s" * 32))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        document: dict[str, Any] = (await client.get("/openapi.json")).json()
    validate(document)  # raises, naming what is wrong
    served = {
        (method.lower(), re.sub(r":\w+}", "}", route.path))
        for route in app.router.routes if isinstance(route, Route)
        for method in route.methods or () if method != "HEAD"
    }
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    assert len(served) > 50
    assert served - listed == set()
    assert listed - served == set()
    problem = document["components"]["schemas"]["Error"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
