"""Who is asking: the principal of an HTTP request or a websocket, from a token or the cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from events.record import Actor
from identity.access import Principal, SignInRefused
from identity.tokens import TokenError, read_token

SESSION_COOKIE = "kokreasi_session"
ACTOR_RESOLVER = "actor_resolver"  # the app.state attribute the composition root sets

ActorResolver = Callable[[Principal], Awaitable[Actor]]
"""The registry's current actor for a principal; raises ``SignInRefused``."""


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


async def current_actor(connection: HTTPConnection) -> Actor | None:
    """The caller as the registry knows them now, ``None`` when no token was given.

    Every HTTP route that looks at who is calling asks this, so a deactivated person (or a
    token whose claims the registry contradicts) is refused at once everywhere. Raises
    ``SignInRefused``; the registry's answer comes from the ``ActorResolver`` the composition
    root put on ``app.state``."""
    try:
        principal = authenticate(connection)
    except TokenError as error:
        raise SignInRefused(
            "not_signed_in",
            "Sesi masuk tidak berlaku lagi; masuk kembali / your sign-in is no longer valid "
            f"({error.reason}); please sign in again",
        ) from None
    if principal is None:
        return None
    resolve: ActorResolver | None = getattr(connection.app.state, ACTOR_RESOLVER, None)
    if resolve is None:
        raise RuntimeError("the routes need the app that kokreasi.app.create_app builds")
    return await resolve(principal)


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
