"""The HTTP plumbing of the process API: who is calling, their JSON body, JSON replies.

A handler receives a ``Call`` (the request, the service, the caller as the log knows them now,
the checked body) and returns a response; a ``ProcessError`` it raises becomes
an RFC 9457 problem (``httpapi.problems``) with the error's status and code.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.record import Actor
from httpapi.problems import problem

from .errors import NotSignedIn, ProcessError, RateLimited, TooLarge
from .proxies import TrustedProxies
from .ratelimit import INPUT, Limits, RateLimiter, Refusals
from .schema import Schema, check
from .service import ProcessService

MAX_BODY_BYTES = 64 * 1024
SESSION_TTL_S = 7 * 24 * 3600
JSON_HEADERS = {"cache-control": "no-store"}


@dataclass
class Call:
    request: Request
    service: ProcessService
    actor: Actor | None  # as the log knows them now; None when not signed in
    body: dict[str, Any]

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def signed_in(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("Silakan masuk terlebih dahulu / please sign in first")
        return self.actor


Handler = Callable[[Call], Awaitable[Response]]


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=JSON_HEADERS)


def error_response(error: ProcessError) -> Response:
    headers = dict(JSON_HEADERS)
    if isinstance(error, RateLimited):
        headers["retry-after"] = str(error.retry_after_s)
    return problem(error.status, error.message, code=error.code, headers=headers)


# -- wiring ---------------------------------------------------------------------------------


def service_of(app: Starlette) -> ProcessService:
    """The service the composition root (``kokreasi.app``) gave this app."""
    service: ProcessService | None = getattr(app.state, "process_service", None)
    if service is None:
        raise RuntimeError("the process routes need the app that kokreasi.app.create_app builds")
    return service


def limiter_of(app: Starlette) -> RateLimiter:
    """The public-input limiter (``Settings.extra``: ``input_per_client``, ...)."""
    return configured_limiter(app, "input", Limits(), INPUT)


def configured_limiter(app: Starlette, prefix: str, defaults: Limits,
                       refusals: Refusals) -> RateLimiter:
    """The app's limiter named ``prefix``, made on first use from ``defaults`` and any
    ``{prefix}_per_client`` ... in ``Settings.extra``; a test may set it on
    ``app.state.{prefix}_limiter`` instead."""
    name = f"{prefix}_limiter"
    limiter: RateLimiter | None = getattr(app.state, name, None)
    if limiter is None:
        extra: dict[str, str] = getattr(app.state.settings, "extra", {}) or {}
        limiter = RateLimiter(defaults.configured(extra, prefix), refusals=refusals)
        setattr(app.state, name, limiter)
    return limiter


def trusted_proxies_of(app: Starlette) -> TrustedProxies:
    """The proxies the composition root trusts (``KOKREASI_TRUSTED_PROXIES``); none when the
    app was built without them."""
    proxies: TrustedProxies = getattr(app.state, "process_trusted_proxies", None) or (
        TrustedProxies())
    return proxies


def client_address(request: Request) -> str:
    """Who sent the request, as far as we can tell: the peer, or the client a trusted proxy
    names in ``X-Forwarded-For``."""
    peer = request.client.host if request.client else "unknown"
    return trusted_proxies_of(request.app).client_address(
        peer, request.headers.getlist("x-forwarded-for")
    )


def rate_key(request: Request, actor: Actor | None) -> str:
    """Whom a rate limit counts: the signed-in person, else the client's address. A whole
    office, or everyone behind an untrusted proxy, comes from one address: keyed by address
    alone, the people signed in there would share one budget."""
    if actor is not None:
        return f"person:{actor.person_id}"  # a prefix no address has
    return client_address(request)


def prefers_json(request: Request) -> bool:
    """Whether the client asked for JSON rather than a page (``Accept``); browsers ask for
    HTML or anything (``*/*``), scripts and the web app's fetches for application/json."""
    quality: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        media = media.lower()
        quality[media] = max(weight, quality.get(media, 0.0))
    json_weight = quality.get("application/json", 0.0)
    return json_weight > 0 and json_weight > quality.get("text/html", 0.0)


async def read_body(
    request: Request, schema: Schema | None, limit: int = MAX_BODY_BYTES
) -> dict[str, Any]:
    if schema is None:
        return {}
    raw = await _body_within(request, limit)
    if len(raw) > MAX_BODY_BYTES:  # an upload: parsed off the event loop
        return await asyncio.to_thread(_parse, raw, schema)
    return _parse(raw, schema)


async def _body_within(request: Request, limit: int) -> bytes:
    """The body, read no further than ``limit`` bytes (an upload's limit is large)."""
    too_large = TooLarge(f"Isi permintaan melebihi {limit} bita / the request body is over "
                         f"{limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes, schema: Schema) -> dict[str, Any]:
    if not raw.strip():
        value: Any = {}
    else:
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ProcessError("the request body is not valid JSON", code="invalid_json") from None
        except RecursionError:  # thousands of [ or { fit in the size limit
            raise ProcessError(
                "Isi permintaan bersarang terlalu dalam / the request body is nested too deeply",
                code="invalid_json") from None
    check(schema, value)
    result: dict[str, Any] = value
    return result

