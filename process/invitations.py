"""Invitation links: signed by the server, naming a person and one invitation of theirs.

Only the newest invitation of an active person signs in (the state knows which), so issuing a
new link or deactivating the person revokes the old link without any list of revoked tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

INVITATION_LIFETIME_S = 14 * 24 * 3600
_PREFIX = "inv1"


INVALID_INVITATION = "invalid_invitation"
EXPIRED_INVITATION = "expired_invitation"


class InvalidInvitation(ValueError):
    def __init__(self, message: str, code: str = INVALID_INVITATION) -> None:
        super().__init__(message)
        self.code = code  # why, for the sign-in page: invalid_invitation or expired_invitation


@dataclass(frozen=True, slots=True)
class Invitation:
    person_id: str
    invitation_id: str
    expires_at: int


def _key(secret_key: bytes) -> bytes:
    return hmac.new(secret_key, b"kokreasi/invitation/v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_invitation(
    secret_key: bytes, person_id: str, invitation_id: str, *, now: float | None = None,
    lifetime_s: int = INVITATION_LIFETIME_S,
) -> str:
    expires = int((time.time() if now is None else now) + lifetime_s)
    body = _b64(json.dumps({"p": person_id, "i": invitation_id, "e": expires},
                           separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(secret_key), f"{_PREFIX}.{body}".encode(),
                              hashlib.sha256).digest())
    return f"{_PREFIX}.{body}.{signature}"


def read_invitation(
    secret_key: bytes, token: str, *, now: float | None = None, previous: Sequence[bytes] = ()
) -> Invitation:
    try:
        prefix, body, signature = token.split(".")
    except ValueError:
        raise InvalidInvitation(
            "Ini bukan tautan undangan / this is not an invitation link"
        ) from None
    signed = f"{prefix}.{body}".encode()
    try:
        given = _unb64(signature)
        valid = prefix == _PREFIX and any(
            hmac.compare_digest(given, hmac.new(_key(key), signed, hashlib.sha256).digest())
            for key in (secret_key, *previous)
        )
        claims = json.loads(_unb64(body)) if valid else None
    except ValueError:
        valid = False
    if not valid or not isinstance(claims, dict):
        raise InvalidInvitation("Tautan undangan tidak sah / the invitation link is not valid")
    if int(claims.get("e", 0)) < (time.time() if now is None else now):
        raise InvalidInvitation(
            "Tautan undangan sudah kedaluwarsa / the invitation link has expired; ask the "
            "Secretariat for a new one", EXPIRED_INVITATION,
        )
    return Invitation(str(claims["p"]), str(claims["i"]), int(claims["e"]))
