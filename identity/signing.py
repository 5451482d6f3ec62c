"""Signed, URL-safe payloads, one key per purpose: the framing is itsdangerous's, not ours.

Each purpose (a session token, an invitation link) has its own salt, from which itsdangerous
derives its own key (HMAC-SHA256 key derivation, HMAC-SHA256 signatures), so a value signed
for one purpose never verifies as another even though both come from the one server secret.
Key rotation: values are signed with the current secret and verified with it or any secret
being rotated out (``KOKREASI_PREVIOUS_SECRET_KEYS``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

from itsdangerous import URLSafeTimedSerializer

SESSION_TOKEN = "kokreasi/session-token/v2"
INVITATION_LINK = "kokreasi/invitation-link/v2"


def serializer(
    purpose: str, secret: bytes, previous: Sequence[bytes] = ()
) -> URLSafeTimedSerializer:
    return _serializer(purpose, secret, tuple(previous))


@functools.lru_cache(maxsize=64)  # every request verifies a token: build each one once
def _serializer(purpose: str, secret: bytes, previous: tuple[bytes, ...]) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and tries every key, newest first, to verify.
    return URLSafeTimedSerializer(
        [*previous, secret], salt=purpose,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
