"""Signing in with an invitation link, and out: the session cookie and who may set it.

An invitation link is exchanged for the session cookie once. A browser that says another
site sent it here (``Sec-Fetch-Site: cross-site``, a foreign ``Origin``), or says nothing at
all (an old browser, a mail scanner fetching every link), is not signed in on the spot: it
is sent to the sign-in page with the link in the fragment (never sent to any server), where
the person confirms with a click that posts the link back from our own page. So no other
site can sign a visitor in as someone else (login CSRF), and a scanner cannot use up a link.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from identity.auth import SESSION_COOKIE, SESSION_REPLACED, SessionReplaced
from identity.origin import opened_here, same_origin
from identity.tokens import TokenError, issue_token, read_token

from .errors import Forbidden, ProcessError
from .http import (
    JSON_HEADERS,
    SESSION_TTL_S,
    Call,
    error_response,
    ok,
    prefers_json,
    trusted_proxies_of,
)
from .invitations import InvalidInvitation, read_invitation

CONFIRM_PAGE = "/signin#invitation="


def came_over_https(request: Request) -> bool:
    """HTTPS to us, or to a proxy we trust (``KOKREASI_TRUSTED_PROXIES``) that says so in
    ``X-Forwarded-Proto``; anyone else may send that header."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    if not trusted_proxies_of(request.app).trusts(peer):
        return False
    # Our proxy sets or appends its own word last; earlier entries are the client's.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1]
    return forwarded.strip().lower() == "https"


async def sign_out(call: Call) -> Response:
    """End every session of the caller (every device, every instance) and clear the cookie."""
    if call.actor is not None:
        await call.service.sign_out(call.actor)
    response = ok({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=came_over_https(call.request))
    return response


async def open_invitation(call: Call) -> Response:
    """``GET /invite/{token}``: sign in at once when the person opened the link themselves;
    otherwise ask them to confirm on our own page."""
    here = opened_here(call.request)
    if here is None and prefers_json(call.request):
        here = True  # a script asking for JSON: no browser, no ambient cookie to abuse
    if not here:
        return await _confirm_first(call)
    return await _exchange(call)


async def confirm_invitation(call: Call) -> Response:
    """``POST /invite/{token}`` from the confirmation on the sign-in page."""
    if same_origin(call.request) is False:
        if prefers_json(call.request):
            return error_response(Forbidden(
                "Masuk hanya dari halaman Kokreasi sendiri / sign in from Kokreasi's own page",
                code="cross_site_signin"))
        return await _confirm_first(call)
    return await _exchange(call)


async def _confirm_first(call: Call) -> Response:
    try:
        await _invitation(call)
    except InvalidInvitation as error:
        return _invitation_refused(call, ProcessError(str(error), code=error.code))
    return RedirectResponse(CONFIRM_PAGE + call.param("token"), status_code=303,
                            headers=JSON_HEADERS)


async def _invitation(call: Call) -> None:
    """Check the link without using it up; raises ``InvalidInvitation``."""
    service = call.service
    invitation = read_invitation(service.secret_key, call.param("token"),
                                 previous=service.previous_secret_keys)
    await service.check_invitation(invitation)


async def _exchange(call: Call) -> Response:
    """Use the link (once) for the session cookie, then go to the app.

    A link that no longer works sends a browser to the sign-in page with the reason
    (``/signin?error=invalid_invitation``, ``expired_invitation`` or ``used_invitation``); a
    client that asks for JSON gets the error as JSON (400)."""
    service = call.service
    try:
        invitation = read_invitation(service.secret_key, call.param("token"),
                                     previous=service.previous_secret_keys)
        actor = await service.accept_invitation(invitation)
    except InvalidInvitation as error:
        return _invitation_refused(call, ProcessError(str(error), code=error.code))
    token = issue_token(service.secret_key, name=actor.name, org=actor.org_name,
                        role=actor.stakeholder, person_id=actor.person_id, org_id=actor.org_id,
                        ttl_seconds=SESSION_TTL_S)
    _replace_session(call.request)
    response = RedirectResponse("/", status_code=303, headers=JSON_HEADERS)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, path="/", httponly=True,
                        samesite="lax", secure=came_over_https(call.request))
    return response


def _replace_session(request: Request) -> None:
    """The browser had a session cookie, which this sign-in replaces: end its live connections
    (its tabs find out who is signed in now, see docs/security.md)."""
    replaced: SessionReplaced | None = getattr(request.app.state, SESSION_REPLACED, None)
    old = request.cookies.get(SESSION_COOKIE)
    if replaced is None or not old:
        return
    settings = request.app.state.settings
    try:
        principal = read_token(settings.secret_key, old, previous=settings.previous_secret_keys)
    except TokenError:
        return  # a bad or expired cookie opened no connection
    if principal.token_id:
        replaced(principal.token_id)


def _invitation_refused(call: Call, error: ProcessError) -> Response:
    if prefers_json(call.request):
        return error_response(error)
    # People open invitation links in a browser: show them the sign-in page, not JSON.
    return RedirectResponse(f"/signin?error={error.code}", status_code=303,
                            headers=JSON_HEADERS)
