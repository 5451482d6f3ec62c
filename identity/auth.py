"""Who is asking: the principal of an HTTP request or a websocket, from a token or the cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from identity.access import Principal
from identity.tokens import TokenError, read_token

SESSION_COOKIE = "kokreasi_session"


def token_from(connection: HTTPConnection) -> str | None:
    """``Authorization: Bearer``, then ``?token=`` (websockets cannot set headers in browsers),
    then the session cookie the web app sets."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    query = connection.query_params.get("token")
    if query:
        return query
    return connection.cookies.get(SESSION_COOKIE) or None


def authenticate(connection: HTTPConnection) -> Principal | None:
    """The principal, or ``None`` when no token was given. Raises ``TokenError`` for a bad one."""
    token = token_from(connection)
    if token is None:
        return None
    settings = connection.app.state.settings
    return read_token(settings.secret_key, token, previous=settings.previous_secret_keys)


async def principal_from_request(connection: HTTPConnection) -> Principal | None:
    """The signed-in principal of a request, or ``None`` if it has no valid token or cookie."""
    try:
        return authenticate(connection)
    except TokenError:
        return None


def cross_site_cookie(connection: HTTPConnection) -> bool:
    """A websocket signed in only by the cookie, opened from another site's page.

    Browsers attach cookies to cross-site websocket handshakes and websockets have no CORS, so
    without this check any page a signed-in person visits could edit in their name."""
    if connection.query_params.get("token") or connection.headers.get("authorization"):
        return False
    if SESSION_COOKIE not in connection.cookies:
        return False
    origin = connection.headers.get("origin")
    if origin is None:
        return False  # not a browser: no ambient cookies to abuse
    return urlsplit(origin).netloc.lower() != connection.headers.get("host", "").lower()
