"""Contact details kept private: sealed before they enter the log.

The log is append-only and auditors may export all of it, so a contact (an e-mail address, a
phone number) is stored encrypted with a key derived from the server's secret. Only the
server can open it, and it shows it only to the Secretariat.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"kokreasi/contact/v1"
_NONCE_BYTES = 12


class ContactSealer:
    def __init__(self, secret_key: bytes, *, previous: Sequence[bytes] = ()) -> None:
        self._aead = _cipher(secret_key)
        # Contacts sealed before a secret rotation still open with the retired secrets.
        self._retired = [_cipher(key) for key in previous]

    def seal(self, contact: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, contact.encode("utf-8"), _INFO)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str | None) -> str | None:
        """The contact, or None when there is none or the secret key has changed since."""
        if not sealed:
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        except ValueError:
            return None
        for cipher in (self._aead, *self._retired):
            try:
                return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _INFO).decode()
            except (InvalidTag, ValueError):
                continue
        return None


def _cipher(secret_key: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key)
    return AESGCM(key)
