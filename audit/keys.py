"""The Ed25519 key the server signs checkpoints with, and the ring of keys it ever used.

Kept in the data directory under ``audit/``:

* ``signing.key``: the current private key, PKCS#8 PEM, created with mode 0600 on first use;
* ``public-keys.json``: every public key ever used, current and retired, with its key id, so
  that a checkpoint signed before a rotation still verifies afterwards.

A key id is the first 8 bytes of SHA-256(``"kokreasi/audit-key/v1\\n"`` || raw public key),
in hex: short enough to print, derived from the key so nobody can attach an id to another key.
It names the key in the key files, the bundle header's signature and checkpoints of note
format 1 (``audit.checkpoints``).

Checkpoints are C2SP signed notes (https://c2sp.org/signed-note), which name the key by its
*key name* and a 4-byte *key hash* instead: SHA-256(key name || 0x0A || 0x01 || raw public
key)[:4], 0x01 being the note signature type of Ed25519. The key name is the log's origin,
``kokreasi``. A verifier is configured with the key's *vkey* (the text form Go's
``golang.org/x/mod/sumdb/note`` and the transparency-dev tools read)::

    <key name>+<key hash, 8 hex digits>+<base64(0x01 || raw public key)>

Each published key carries its key name, key hash and vkey beside its key id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from events.record import format_timestamp, parse_timestamp, utc_now

KEY_DIR = "audit"
PRIVATE_KEY_FILE = "signing.key"
PUBLIC_KEYS_FILE = "public-keys.json"
KEY_ID_DOMAIN = b"kokreasi/audit-key/v1\n"
ALGORITHM = "ed25519"
KEY_NAME = "kokreasi"  # the checkpoints' origin and their signature lines' key name
NOTE_ED25519 = b"\x01"  # the signed-note signature type of Ed25519


class KeyringError(ValueError):
    """A key file or public key is unusable; the message says which and why."""


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(KEY_ID_DOMAIN + public_key).digest()[:8].hex()


def note_key_hash(name: str, public_key: bytes) -> bytes:
    """The signed-note key ID of an Ed25519 key: 4 bytes, big-endian as written."""
    return hashlib.sha256(name.encode() + b"\n" + NOTE_ED25519 + public_key).digest()[:4]


def vkey_of(name: str, public_key: bytes) -> str:
    blob = base64.b64encode(NOTE_ED25519 + public_key).decode()
    return f"{name}+{note_key_hash(name, public_key).hex()}+{blob}"


def parse_vkey(vkey: str) -> tuple[str, bytes]:
    """The key name and raw Ed25519 public key of a vkey; ``KeyringError`` unless its key hash
    is the one the name and key give (so a vkey cannot name another key)."""
    name, _, rest = vkey.partition("+")
    key_hash, _, blob = rest.partition("+")
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError as error:
        raise KeyringError(f"vkey {vkey!r}: the key is not base64") from error
    if not name or len(raw) != 33 or raw[:1] != NOTE_ED25519:
        raise KeyringError(f"vkey {vkey!r} is not <name>+<hash>+<base64(0x01 || Ed25519 key)>")
    if note_key_hash(name, raw[1:]).hex() != key_hash:
        raise KeyringError(f"vkey {vkey!r}: its key hash does not belong to its key")
    return name, raw[1:]


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_id: str
    public_key: bytes  # 32 raw Ed25519 bytes
    created_at: datetime
    retired_at: datetime | None = None

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def note_key_hash(self, name: str = KEY_NAME) -> bytes:
        return note_key_hash(name, self.public_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(self.public_key).decode(),
            "key_name": KEY_NAME,
            "key_hash": self.note_key_hash().hex(),
            "vkey": vkey_of(KEY_NAME, self.public_key),
            "created_at": format_timestamp(self.created_at),
            "retired_at": format_timestamp(self.retired_at) if self.retired_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicKey:
        try:
            if data.get("algorithm", ALGORITHM) != ALGORITHM:
                raise KeyringError(f"key {data.get('key_id')!r}: only {ALGORITHM} keys are used")
            raw = base64.b64decode(str(data["public_key"]), validate=True)
            if len(raw) != 32:
                raise KeyringError(f"key {data.get('key_id')!r}: an Ed25519 key has 32 bytes")
            key_id = str(data["key_id"])
            retired = data.get("retired_at")
            created = data.get("created_at")
            key = cls(
                key_id=key_id,
                public_key=raw,
                created_at=parse_timestamp(created) if created else utc_now(),
                retired_at=parse_timestamp(str(retired)) if retired else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, KeyringError):
                raise
            raise KeyringError(f"malformed public key entry: {error}") from error
        if key_id_of(raw) != key_id:
            raise KeyringError(f"key id {key_id!r} does not belong to its public key")
        if "vkey" in data and parse_vkey(str(data["vkey"]))[1] != raw:
            raise KeyringError(f"key {key_id!r}: its vkey does not belong to its public key")
        return key


class Keyring(Mapping[str, PublicKey]):
    """Public keys by key id: what a verifier trusts."""

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
        self._keys = {key.key_id: key for key in keys}

    def __getitem__(self, key_id: str) -> PublicKey:
        return self._keys[key_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def by_note_key(self, name: str, key_hash: bytes) -> list[PublicKey]:
        """The keys a signature line by ``name`` with ``key_hash`` may be from (the hash is
        short, so more than one key could match; each is tried)."""
        return [k for k in self._keys.values() if k.note_key_hash(name) == key_hash]

    def to_json(self) -> list[dict[str, Any]]:
        return [key.to_json() for key in self._keys.values()]

    @classmethod
    def from_json(cls, data: Any) -> Keyring:
        """Accepts a list of key entries, ``{"public_keys": [...]}`` or one entry."""
        if isinstance(data, Mapping) and "public_keys" in data:
            data = data["public_keys"]
        if isinstance(data, Mapping):
            data = [data]
        if not isinstance(data, list):
            raise KeyringError("expected a list of public keys")
        return cls(PublicKey.from_json(entry) for entry in data)


class Signer:
    """Signs with the current private key; ``keyring`` holds it and every retired key."""

    def __init__(self, private_key: Ed25519PrivateKey, keyring: Keyring) -> None:
        self._private = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id_of(raw)
        self.public_key = raw
        self.vkey = vkey_of(KEY_NAME, raw)
        if self.key_id not in keyring:
            keyring = Keyring([*keyring.values(), PublicKey(self.key_id, raw, utc_now())])
        self.keyring = keyring

    @classmethod
    def generate(cls) -> Signer:
        """A throw-away signer (tests, demos): nothing is written anywhere."""
        return cls(Ed25519PrivateKey.generate(), Keyring())

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def _key_dir(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_DIR


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Write beside the target and rename, so a crash never leaves half a key behind.
    temporary = path.with_name(path.name + ".new")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _write_public(path: Path, keyring: Keyring) -> None:
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(json.dumps({"public_keys": keyring.to_json()}, indent=2) + "\n")
    os.replace(temporary, path)


def read_keyring(data_dir: Path) -> Keyring:
    path = _key_dir(data_dir) / PUBLIC_KEYS_FILE
    if not path.exists():
        return Keyring()
    try:
        return Keyring.from_json(json.loads(path.read_text()))
    except json.JSONDecodeError as error:
        raise KeyringError(f"{path} is not valid JSON: {error}") from error


def load_signer(data_dir: Path) -> Signer:
    """The data directory's signer, creating the key (0600) on first use."""
    directory = _key_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILE
    keyring = read_keyring(data_dir)
    if private_path.exists():
        try:
            private = serialization.load_pem_private_key(private_path.read_bytes(), None)
        except ValueError as error:
            raise KeyringError(f"{private_path} is not a PEM private key: {error}") from error
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyringError(f"{private_path} holds a key that is not Ed25519")
    else:
        private = Ed25519PrivateKey.generate()
        _write_private(private_path, private)
    signer = Signer(private, keyring)
    if len(signer.keyring) != len(keyring):
        _write_public(directory / PUBLIC_KEYS_FILE, signer.keyring)
    return signer


def rotate(data_dir: Path) -> Signer:
    """Retire the current key (its public half stays in the ring) and start a new one.

    The old private key is overwritten: after a rotation nobody, not even this server, can
    sign as the old key, yet everything it signed still verifies."""
    current = load_signer(data_dir)
    now = utc_now()
    retired = [
        PublicKey(k.key_id, k.public_key, k.created_at, k.retired_at or now)
        if k.key_id == current.key_id
        else k
        for k in current.keyring.values()
    ]
    private = Ed25519PrivateKey.generate()
    signer = Signer(private, Keyring(retired))
    directory = _key_dir(data_dir)
    _write_private(directory / PRIVATE_KEY_FILE, private)
    _write_public(directory / PUBLIC_KEYS_FILE, signer.keyring)
    return signer
