"""Signed access tokens: HMAC-SHA256 over a compact JSON claims set, verified in constant time.

A token is ``base64url(claims).base64url(signature)`` without padding. Claims: ``sub`` person
id, ``name``, ``org`` org id, ``org_name``, ``role`` stakeholder type, ``jti`` token id,
``exp`` expiry (Unix seconds).

``sub`` is a registered person's id (invitation links, ``kokreasi token --person``) or, for a
name the registry does not know (operators' scripts, benchmarks), ``ext:`` and the name's slug:
registered ids cannot contain ``:``, so such a token can never speak for a registered person.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from events.record import Actor, Stakeholder
from identity.access import Principal

PERSON_ROLES = tuple(s for s in Stakeholder if s is not Stakeholder.SYSTEM)
DEFAULT_TTL_SECONDS = 12 * 3600
EXTERNAL_PREFIX = "ext:"  # person ids of tokens for names outside the registry
MAX_TOKEN_LENGTH = 4096


class TokenError(ValueError):
    """A token that cannot be trusted; ``reason`` is ``expired``, ``bad signature`` or
    ``malformed``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"token {reason}" + (f": {detail}" if detail else ""))
        self.reason = reason


def slug(text: str) -> str:
    """A stable id from a name: ``Kementerian PPN/Bappenas`` -> ``kementerian-ppn-bappenas``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return value or hashlib.sha256(text.encode()).hexdigest()[:12]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenError("malformed", "not base64url") from error


def _sign(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()


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
        "exp": int(issued + ttl_seconds),
    }
    body = _b64encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_b64encode(_sign(secret, body))}"


def read_token(
    secret: bytes, token: str, *, now: float | None = None, previous: Sequence[bytes] = ()
) -> Principal:
    """The principal a token names, once its signature and expiry check out.

    ``previous``: secrets being rotated out, whose tokens are still accepted."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("malformed", "expected two base64url parts joined by a dot")
    body, signature = token.split(".")
    try:
        body.encode("ascii")
    except UnicodeEncodeError as error:
        raise TokenError("malformed", "not base64url") from error
    given = _b64decode(signature)
    if not any(hmac.compare_digest(_sign(key, body), given) for key in (secret, *previous)):
        raise TokenError("bad signature")
    try:
        claims: Any = json.loads(_b64decode(body))
        actor = Actor(
            person_id=_text(claims, "sub"),
            name=_text(claims, "name"),
            org_id=_text(claims, "org"),
            org_name=_text(claims, "org_name"),
            stakeholder=Stakeholder(claims["role"]),
        )
        expiry = claims["exp"]
        token_id = _text(claims, "jti")
    except (ValueError, KeyError, TypeError) as error:
        raise TokenError("malformed", "claims are incomplete") from error
    if actor.stakeholder is Stakeholder.SYSTEM or not isinstance(expiry, int):
        raise TokenError("malformed", "claims are incomplete")
    if expiry <= (time.time() if now is None else now):
        raise TokenError("expired")
    return Principal(actor=actor, token_id=token_id)


def _text(claims: Any, key: str) -> str:
    value = claims[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
