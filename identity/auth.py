"""Who is asking: the principal of an HTTP request or a websocket, from a token or the cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import HTTPConnection

from events.record import Actor
from identity.access import Principal, SignInRefused
from identity.origin import same_origin
from identity.tokens import TokenError, read_token

SESSION_COOKIE = "kokreasi_session"

SessionCheck = Callable[[Principal], Awaitable["TokenError | None"]]
"""``check(principal)``: why the principal's session has ended (signed out, a new invitation
link: reason ``ended``; ``deactivated``), or None while it stands. The composition root puts
one on ``app.state.session_check``; it answers from the folded log, which every instance
shares."""
SESSION_CHECK = "session_check"

SESSION_REPLACED = "session_replaced"
SessionReplaced = Callable[[str], None]
"""``replaced(token_id)``: a browser signed in again (another person's invitation link, or a
new one) over the session cookie of this token; the composition root puts one on
``app.state.session_replaced`` that closes the live connections the old cookie opened on
this instance, so no tab goes on writing as the person the browser no longer is."""

ENDED = {"ended": "session_ended", "deactivated": "deactivated"}
"""Error codes of a token whose session was ended (``SessionCheck``)."""

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


async def current_actor(connection: HTTPConnection) -> Actor | None:
    """The caller as the registry knows them now, ``None`` when no token was given.

    Every HTTP route that looks at who is calling asks this, so a deactivated person, an ended
    session or a token whose claims the registry contradicts is refused at once everywhere.
    Raises ``SignInRefused``; the registry's answer comes from the ``ActorResolver`` the
    composition root put on ``app.state``."""
    try:
        principal = await authenticate(connection)
    except TokenError as error:
        if error.reason in ENDED:
            raise SignInRefused(ENDED[error.reason], error.detail) from None
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
