"""Who calls an audit or export route: the registry's current actor, or the refusal to send."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events.record import Actor, Stakeholder
from httpapi.problems import problem
from identity.access import SignInRefused
from identity.auth import current_actor


def error(status: int, message: str, code: str | None = None) -> Response:
    return problem(status, message, code=code)


async def caller(request: Request) -> Actor | Response | None:
    """The caller (None when no token was given), or the response refusing their sign-in: a
    deactivated person's token is refused even where no sign-in is needed."""
    try:
        return await current_actor(request)
    except SignInRefused as refused:
        return error(refused.status, refused.message, refused.code)


async def require(request: Request, allowed: frozenset[Stakeholder]) -> Actor | Response:
    """The caller if signed in as one of ``allowed``, else the 401 or 403 to send."""
    actor = await caller(request)
    if isinstance(actor, Response):
        return actor
    if actor is None:
        return error(401, "sign in first")
    if actor.stakeholder not in allowed:
        names = " and ".join(sorted(str(s) for s in allowed))
        return error(403, f"only {names} may do this")
    return actor
