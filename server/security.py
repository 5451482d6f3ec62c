"""What every HTTP response tells the browser, and which cookie-signed writes are believed.

``SecurityHeaders`` adds a Content-Security-Policy (scripts and connections only from this
site, no inline script; never framed), ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: same-origin`` to every response. ``SameOriginWrites`` refuses a request
under ``/api/`` that would change something, is signed in only by the session cookie, and
either is not JSON or does not come from a page of this site: browsers attach the cookie to
requests from any site, and a cross-site form can post text but not JSON. Requests with a
bearer token (scripts) carry their credential themselves and pass. Both are plain ASGI
middleware; ``docs/security.md`` lists the headers.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from httpapi.problems import problem
from identity.auth import by_cookie
from identity.origin import same_origin

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # The editor sets styles inline (TipTap's own stylesheet, y-prosemirror's caret colours);
    # CSS runs no code, and the app renders no HTML of people's text, so only scripts are kept
    # strictly to files of this site.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",  # 'self' covers ws:// and wss:// to this host (CSP level 3)
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SameOriginWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in WRITE_METHODS
                or not scope["path"].startswith("/api/")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = _refusal(request) if by_cookie(request) else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await refusal(scope, receive, send)


def _refusal(request: Request) -> Response | None:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        return problem(415, "Kirim permintaan ini sebagai application/json / send this request "
                       "as application/json", code="json_required")
    if same_origin(request) is not True:
        return problem(403, "Permintaan dari situs lain ditolak; buka Kokreasi langsung / a "
                       "request from another site was refused; open Kokreasi itself",
                       code="cross_site_request")
    return None
