"""Who is asking: the principal of an HTTP request or a websocket, from a token or the cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import HTTPConnection

from identity.access import Principal
from identity.origin import same_origin
from identity.tokens import TokenError, read_token

SESSION_COOKIE = "kokreasi_session"

SessionCheck = Callable[[Principal], Awaitable["TokenError | None"]]
"""``check(principal)``: why the principal's session has ended (signed out, a new invitation
link: reason ``ended``; ``deactivated``), or None while it stands. The composition root puts
one on ``app.state.session_check``; it answers from the folded log, which every instance
shares."""
SESSION_CHECK = "session_check"


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


async def authenticate(connection: HTTPConnection) -> Principal | None:
    """The principal, or ``None`` when no token was given. Raises ``TokenError`` for a bad one,
    or one whose session has ended (``SessionCheck``)."""
    token = token_from(connection)
    if token is None:
        return None
    state = connection.app.state
    settings = state.settings
    principal = read_token(settings.secret_key, token, previous=settings.previous_secret_keys)
    check: SessionCheck | None = getattr(state, SESSION_CHECK, None)
    ended = await check(principal) if check is not None else None
    if ended is not None:
        raise ended
    return principal


async def principal_from_request(connection: HTTPConnection) -> Principal | None:
    """The signed-in principal of a request, or ``None`` if it has no valid token or cookie."""
    try:
        return await authenticate(connection)
    except TokenError:
        return None


def by_cookie(connection: HTTPConnection) -> bool:
    """Signed in only by the session cookie, which browsers attach on their own: no bearer
    token or ``?token=``, which only a script or the page that holds the token can send."""
    if connection.query_params.get("token") or connection.headers.get("authorization"):
        return False
    return SESSION_COOKIE in connection.cookies


def cross_site_cookie(connection: HTTPConnection) -> bool:
    """A websocket signed in only by the cookie, opened from another site's page.

    Browsers attach cookies to cross-site websocket handshakes and websockets have no CORS, so
    without this check any page a signed-in person visits could edit in their name."""
    # A client that does not say where it comes from is not a browser: no ambient cookies.
    return by_cookie(connection) and same_origin(connection) is False
