"""Sealing fan-out messages, so that only instances sharing the secret can publish them.

Other instances apply a fan-out message without logging it (the publisher logged it), so
anyone able to write to Redis could otherwise show everybody edits that are not in the log.
On Redis each message is ``seal || body``::

    key  = HMAC-SHA256(secret, "kokreasi fan-out v1")   never the token-signing key itself
    seal = HMAC-SHA256(key, channel || 0x00 || body)     32 bytes; binds the document's channel

Messages sealed with a key derived from a previous secret are accepted during a rotation;
new messages are sealed with the current secret only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

PURPOSE = b"kokreasi fan-out v1"
SEAL_SIZE = 32


def fanout_key(secret: bytes) -> bytes:
    return hmac.new(secret, PURPOSE, hashlib.sha256).digest()


def _mac(key: bytes, channel: str, body: bytes) -> bytes:
    return hmac.new(key, channel.encode("utf-8") + b"\x00" + body, hashlib.sha256).digest()


class FanoutSeal:
    def __init__(self, secret: bytes, previous: Sequence[bytes] = ()) -> None:
        self._keys = [fanout_key(key) for key in (secret, *previous)]

    def seal(self, channel: str, body: bytes) -> bytes:
        return _mac(self._keys[0], channel, body) + body

    def open(self, channel: str, data: bytes) -> bytes | None:
        """The body, or None when no key of ours sealed ``data`` for ``channel``."""
        given, body = data[:SEAL_SIZE], data[SEAL_SIZE:]
        if len(given) == SEAL_SIZE and any(
            hmac.compare_digest(given, _mac(key, channel, body)) for key in self._keys
        ):
            return body
        return None
