"""Invitation links: signed by the server for the invitation-link purpose only, naming a person
and one invitation of theirs.

Only the newest invitation of an active person signs in, and only once (the state knows which
and whether it was used), so issuing a new link, deactivating the person or using the link
revokes it without any list of revoked tokens. The link is itsdangerous's URL-safe timed
serialization (``identity.signing``) of ``{"p": person id, "i": invitation id, "e": expiry}``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData

from identity.signing import INVITATION_LINK, serializer

INVITATION_LIFETIME_S = 14 * 24 * 3600
MAX_LINK_LENGTH = 1024

INVALID_INVITATION = "invalid_invitation"
EXPIRED_INVITATION = "expired_invitation"
USED_INVITATION = "used_invitation"


class InvalidInvitation(ValueError):
    def __init__(self, message: str, code: str = INVALID_INVITATION) -> None:
        super().__init__(message)
        # why, for the sign-in page: invalid_invitation, expired_invitation or used_invitation
        self.code = code


@dataclass(frozen=True, slots=True)
class Invitation:
    person_id: str
    invitation_id: str
    expires_at: int


def sign_invitation(
    secret_key: bytes, person_id: str, invitation_id: str, *, now: float | None = None,
    lifetime_s: int = INVITATION_LIFETIME_S,
) -> str:
    expires = int((time.time() if now is None else now) + lifetime_s)
    return serializer(INVITATION_LINK, secret_key).dumps(
        {"p": person_id, "i": invitation_id, "e": expires}
    )


def read_invitation(
    secret_key: bytes, token: str, *, now: float | None = None, previous: Sequence[bytes] = ()
) -> Invitation:
    try:
        if len(token) > MAX_LINK_LENGTH:
            raise BadData("too long")
        claims: Any = serializer(INVITATION_LINK, secret_key, previous).loads(token)
        invitation = Invitation(_text(claims, "p"), _text(claims, "i"), int(claims["e"]))
    except (BadData, KeyError, TypeError, ValueError):
        raise InvalidInvitation(
            "Tautan undangan tidak sah / the invitation link is not valid"
        ) from None
    if invitation.expires_at < (time.time() if now is None else now):
        raise InvalidInvitation(
            "Tautan undangan sudah kedaluwarsa / the invitation link has expired; ask the "
            "Secretariat for a new one", EXPIRED_INVITATION,
        )
    return invitation


def _text(claims: Any, key: str) -> str:
    value = claims[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
