"""Signed access tokens: a JSON claims set signed for the session-token purpose only.

A token is itsdangerous's URL-safe timed serialization (``payload.timestamp.signature``, see
``identity.signing``). Claims: ``sub`` person id, ``name``, ``org`` org id, ``org_name``,
``role`` stakeholder type, ``jti`` token id, ``iat`` when it was issued and ``exp`` when it
expires (Unix seconds; ``iat`` with its fraction, so a sign-out ends exactly the sessions
issued before it).
``sub`` is a registered person's id (invitation links, ``kokreasi token --person``) or, for a
name the registry does not know (operators' scripts, benchmarks), ``ext:`` and the name's slug:
registered ids cannot contain ``:``, so such a token can never speak for a registered person.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from itsdangerous import BadData, BadSignature

from events.record import Actor, Stakeholder
from identity.access import Principal
from identity.signing import SESSION_TOKEN, serializer

PERSON_ROLES = tuple(s for s in Stakeholder if s is not Stakeholder.SYSTEM)
DEFAULT_TTL_SECONDS = 12 * 3600
EXTERNAL_PREFIX = "ext:"  # person ids of tokens for names outside the registry
MAX_TOKEN_LENGTH = 4096


class TokenError(ValueError):
    """A token that cannot be trusted; ``reason`` is ``expired``, ``bad signature``,
    ``malformed``, or ``ended`` / ``deactivated`` when its session was ended
    (``identity.auth.SessionCheck``; ``detail`` then says so in words a person understands)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"token {reason}" + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail


def slug(text: str) -> str:
    """A stable id from a name: ``Kementerian PPN/Bappenas`` -> ``kementerian-ppn-bappenas``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return value or hashlib.sha256(text.encode()).hexdigest()[:12]


def issue_token(
    secret: bytes,
    *,
    name: str,
    org: str,
    role: Stakeholder | str,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    person_id: str | None = None,
    org_id: str | None = None,
    now: float | None = None,
) -> str:
    stakeholder = Stakeholder(role)
    if stakeholder is Stakeholder.SYSTEM:
        raise ValueError("tokens are for people; the system role cannot sign in")
    if not name.strip() or not org.strip():
        raise ValueError("a token needs a person name and an organisation")
    issued = time.time() if now is None else now
    claims = {
        "sub": person_id or EXTERNAL_PREFIX + slug(name),
        "name": name,
        "org": org_id or slug(org),
        "org_name": org,
        "role": str(stakeholder),
        "jti": uuid.uuid4().hex,
        "iat": issued,
        "exp": int(issued + ttl_seconds),
    }
    return serializer(SESSION_TOKEN, secret).dumps(claims)


def read_token(
    secret: bytes, token: str, *, now: float | None = None, previous: Sequence[bytes] = ()
) -> Principal:
    """The principal a token names, once its signature and expiry check out.

    ``previous``: secrets being rotated out, whose tokens are still accepted."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.lstrip(".").count(".") != 2:
        raise TokenError("malformed", "expected payload.timestamp.signature")
    try:
        claims: Any = serializer(SESSION_TOKEN, secret, previous).loads(token)
    except BadSignature as error:
        raise TokenError("bad signature") from error
    except BadData as error:
        raise TokenError("malformed", "not a signed token") from error
    try:
        actor = Actor(
            person_id=_text(claims, "sub"),
            name=_text(claims, "name"),
            org_id=_text(claims, "org"),
            org_name=_text(claims, "org_name"),
            stakeholder=Stakeholder(claims["role"]),
        )
        expiry = claims["exp"]
        issued = claims["iat"]
        token_id = _text(claims, "jti")
    except (ValueError, KeyError, TypeError) as error:
        raise TokenError("malformed", "claims are incomplete") from error
    if (actor.stakeholder is Stakeholder.SYSTEM or not isinstance(expiry, int)
            or not isinstance(issued, int | float)):
        raise TokenError("malformed", "claims are incomplete")
    if expiry <= (time.time() if now is None else now):
        raise TokenError("expired")
    return Principal(actor=actor, token_id=token_id, issued_at=float(issued))


def _text(claims: Any, key: str) -> str:
    value = claims[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
