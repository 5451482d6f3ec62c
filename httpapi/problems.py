"""Errors as RFC 9457 problem details (``application/problem+json``).

Every JSON route answers an error with the same members::

    {"type": "urn:kokreasi:problem:not_found", "title": "Not Found", "status": 404,
     "detail": "no plan 'x'", "code": "not_found",
     "error": "not_found", "message": "no plan 'x'"}

``code`` is the machine-readable reason (stable, listed in docs/problems.md); ``detail`` says
it to a person (bilingual "Indonesian / English" where a person reads it). ``error`` and
``message`` repeat ``code`` and ``detail`` for clients written before this shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:kokreasi:problem:"

# The code a status gets when the route has none more precise to give.
DEFAULT_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    426: "upgrade_required",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


# What the framework's own refusals say, for people reading either language.
FRAMEWORK_DETAILS = {
    404: "Tidak ada di sini / nothing here",
    405: "Metode ini tidak dapat dipakai di alamat ini / this method is not allowed here",
}


def in_both_languages(status: int, detail: str) -> str:
    """The framework's bare status phrase (``Not Found``) in both languages; any other detail
    as it is."""
    if detail == HTTPStatus(status).phrase:
        return FRAMEWORK_DETAILS.get(status, detail)
    return detail


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """The problem-details response for ``status``; ``extensions`` become extra members."""
    code = code or DEFAULT_CODES.get(status, "error")
    body = {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "error": code,
        "message": detail,
        **extensions,
    }
    all_headers = {"cache-control": "no-store", **(headers or {})}
    return ProblemResponse(body, status_code=status, headers=all_headers)


def wants_problem(request: Request) -> bool:
    """Whether an error of the framework itself (unknown route, wrong method) should answer as
    a problem: on the API, or when the client asked for JSON; pages keep their HTML."""
    if request.url.path.startswith(("/api/", "/openapi.json", "/ws/", "/invite/")):
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept
