"""Signed checkpoints: the server's signed statement of what the log held at some size.

A checkpoint is a C2SP signed note (https://c2sp.org/signed-note) whose text is a C2SP
transparency-log checkpoint (https://c2sp.org/tlog-checkpoint) with two extension lines. The
note text is UTF-8, every line ending in ``\\n``::

    kokreasi                                        origin: names the log
    1234                                            tree size: positions 1..1234
    3q2+7w...=                                      RFC 9162 Merkle root, standard base64
    tip 9f8e...=                                    record hash at position 1234, base64
    time 2026-11-28T16:30:00.000000Z                when it was signed (UTC)

The note is the text, an empty line, then one signature line::

    — kokreasi <base64(4-byte key hash || 64-byte Ed25519 signature over the text)>

the key hash being the signed-note key ID of the key (``audit.keys.note_key_hash``): any
signed-note verifier given the key's vkey (``GET /api/audit/keys``) opens it.

Note format 1, written before checkpoints were exact signed notes, differs only in the
signature line: it starts with the key's 8-byte Kokreasi key id (72 bytes in all), and its JSON
form names the key with ``key_id`` instead of ``key_hash``. The signed text is the same, so
both verify with the same key; checkpoints already in a log keep their format and keep
verifying. Which format a checkpoint is in shows in its JSON field (``key_hash`` or ``key_id``)
and in the length of its decoded signature (68 or 72 bytes). ``docs/audit-bundle.md`` is the
specification.

Checkpoints are themselves events (``audit.checkpoint`` on stream ``audit:checkpoints``).
A checkpoint event extends the log, so it signs the log as it was just before it: its tree
size is always smaller than its own position.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events import catalog
from events.record import (
    Actor,
    Context,
    NewEvent,
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from events.store import EventStore

from .keys import KEY_NAME, Keyring, PublicKey, Signer, note_key_hash
from .leaves import root_of

CHECKPOINT_TYPE = catalog.register("audit.checkpoint")
CHECKPOINT_STREAM = "audit:checkpoints"
DEFAULT_ORIGIN = KEY_NAME
SIGNATURE_MARK = "\u2014 "  # an em dash and a space open a signature line, as in signed notes
NOTE_KEY_HASH = 4  # bytes of the signed-note key ID (note format 2)
LEGACY_KEY_ID = 8  # bytes of the Kokreasi key id that note format 1 put there instead
MAX_SIGNATURES = 100  # lines read from a note's signature block; the spec asks for 16 at least


class CheckpointError(ValueError):
    """A checkpoint is malformed or its signature does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    tree_size: int
    root: bytes
    tip_hash: bytes
    time: datetime
    key_hash: bytes  # the signed-note key ID (4 bytes); note format 1: the key id (8 bytes)
    signature: bytes

    @property
    def note_format(self) -> int:
        return 1 if len(self.key_hash) == LEGACY_KEY_ID else 2

    @property
    def key_label(self) -> str:
        """How the checkpoint names its key, for people: the key hash (or id) in hex."""
        return self.key_hash.hex()

    def body(self) -> str:
        return checkpoint_body(self.origin, self.tree_size, self.root, self.tip_hash, self.time)

    def note(self) -> str:
        blob = base64.b64encode(self.key_hash + self.signature).decode()
        return f"{self.body()}\n{SIGNATURE_MARK}{self.origin} {blob}\n"

    def _candidates(self, keyring: Keyring) -> list[PublicKey]:
        if self.note_format == 1:
            key = keyring.get(self.key_hash.hex())
            return [key] if key is not None else []
        return keyring.by_note_key(self.origin, self.key_hash)

    def verify(self, keyring: Keyring) -> PublicKey:
        """The key of ``keyring`` that signed exactly this text; ``CheckpointError`` if none."""
        candidates = self._candidates(keyring)
        if not candidates:
            raise CheckpointError(
                f"checkpoint of size {self.tree_size} is signed by unknown key {self.key_label}"
            )
        text = self.body().encode("utf-8")
        for key in candidates:
            if key.verify(self.signature, text):
                return key
        raise CheckpointError(
            f"checkpoint of size {self.tree_size}: the signature by key {self.key_label} "
            "does not match its content (forged or altered)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "tip_hash": self.tip_hash.hex(),
            "time": format_timestamp(self.time),
            "key_id" if self.note_format == 1 else "key_hash": self.key_hash.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        try:
            if "key_hash" in data:
                key_hash = bytes.fromhex(str(data["key_hash"]))
                if len(key_hash) != NOTE_KEY_HASH:
                    raise ValueError("key_hash is the 4-byte signed-note key ID")
            else:  # note format 1
                key_hash = bytes.fromhex(str(data["key_id"]))
                if len(key_hash) != LEGACY_KEY_ID:
                    raise ValueError("key_id is the 8-byte Kokreasi key id")
            checkpoint = cls(
                origin=str(data["origin"]),
                tree_size=int(data["tree_size"]),
                root=bytes.fromhex(str(data["root"])),
                tip_hash=bytes.fromhex(str(data["tip_hash"])),
                time=parse_timestamp(str(data["time"])),
                key_hash=key_hash,
                signature=bytes.fromhex(str(data["signature"])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"malformed checkpoint: {error!r}") from error
        _check_shape(checkpoint)
        return checkpoint

    @classmethod
    def from_note(cls, text: str) -> Checkpoint:
        """Parse the signed-note text form (what the public page shows).

        The text ends at the note's last empty line; of the signature lines, the first by the
        origin's key name is taken (others, e.g. a witness's cosignature, are ignored, as the
        signed-note specification asks of signatures from keys one does not know)."""
        body, separator, signatures = text.rpartition("\n\n")
        lines = body.split("\n")
        if not separator or len(lines) != 5:
            raise CheckpointError("a checkpoint note has 5 body lines, an empty line, a signature")
        origin, size, root_b64, tip_line, time_line = lines
        try:
            _check_note_text(text)
            if not tip_line.startswith("tip ") or not time_line.startswith("time "):
                raise ValueError("expected 'tip ...' and 'time ...' lines")
            raw = _signature_by(origin, signatures)
            checkpoint = cls(
                origin=origin,
                tree_size=_tree_size(size),
                root=base64.b64decode(root_b64, validate=True),
                tip_hash=base64.b64decode(tip_line[4:], validate=True),
                time=parse_timestamp(time_line[5:]),
                key_hash=raw[:-64],
                signature=raw[-64:],
            )
        except (ValueError, binascii.Error) as error:
            raise CheckpointError(f"malformed checkpoint note: {error}") from error
        _check_shape(checkpoint)
        return checkpoint


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise ValueError("a signed note ends with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise ValueError("a signed note holds no control character other than newline")


def _tree_size(text: str) -> int:
    if not text.isascii() or not text.isdigit() or (text.startswith("0") and text != "0"):
        raise ValueError(f"tree size {text!r} is not a decimal number without leading zeros")
    return int(text)


def _signature_by(origin: str, block: str) -> bytes:
    """The decoded signature of the first signature line by ``origin``."""
    lines = block.removesuffix("\n").split("\n")
    if not lines or len(lines) > MAX_SIGNATURES:
        raise ValueError(f"a note has 1 to {MAX_SIGNATURES} signature lines")
    found: bytes | None = None
    for line in lines:
        if not line.startswith(SIGNATURE_MARK):
            raise ValueError("every signature line starts with an em dash and a space")
        name, space, blob = line[len(SIGNATURE_MARK) :].partition(" ")
        if not space or not name or "+" in name or " " in blob:
            raise ValueError(f"signature line {line!r} is not '— <key name> <base64>'")
        raw = base64.b64decode(blob, validate=True)
        if name == origin and found is None:
            found = raw
    if found is None:
        raise ValueError(f"no signature by {origin!r}, the note's origin")
    if len(found) not in (NOTE_KEY_HASH + 64, LEGACY_KEY_ID + 64):
        raise ValueError(f"an Ed25519 note signature has {NOTE_KEY_HASH + 64} bytes "
                         f"({LEGACY_KEY_ID + 64} in note format 1), not {len(found)}")
    return found


def _check_shape(checkpoint: Checkpoint) -> None:
    if checkpoint.tree_size < 0:
        raise CheckpointError("a checkpoint's tree size cannot be negative")
    if len(checkpoint.root) != 32 or len(checkpoint.tip_hash) != 32:
        raise CheckpointError("a checkpoint's root and tip are 32-byte SHA-256 hashes")
    if len(checkpoint.signature) != 64 or len(checkpoint.key_hash) not in (NOTE_KEY_HASH,
                                                                           LEGACY_KEY_ID):
        raise CheckpointError("a checkpoint has a 4-byte key hash (8-byte key id in note "
                              "format 1) and a 64-byte signature")


def checkpoint_body(
    origin: str, tree_size: int, root_hash: bytes, tip_hash: bytes, time: datetime
) -> str:
    if not origin or "+" in origin or any(c.isspace() for c in origin):
        raise CheckpointError(f"origin {origin!r} must be one word with no spaces nor '+'")
    return (
        f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"
        f"tip {base64.b64encode(tip_hash).decode()}\ntime {format_timestamp(time)}\n"
    )


def sign(
    signer: Signer,
    *,
    tree_size: int,
    root_hash: bytes,
    tip_hash: bytes,
    time: datetime | None = None,
    origin: str = DEFAULT_ORIGIN,
) -> Checkpoint:
    moment = time or utc_now()
    body = checkpoint_body(origin, tree_size, root_hash, tip_hash, moment)
    return Checkpoint(
        origin=origin,
        tree_size=tree_size,
        root=root_hash,
        tip_hash=tip_hash,
        time=moment,
        key_hash=note_key_hash(origin, signer.public_key),
        signature=signer.sign(body.encode("utf-8")),
    )


async def checkpoint_of(
    store: EventStore, signer: Signer, size: int | None = None, *, origin: str = DEFAULT_ORIGIN
) -> Checkpoint:
    """Sign the log as it is now (or up to ``size``) without recording anything."""
    if size is None:
        size = (await store.head()).position
    root_hash, tip = await root_of(store, size)
    return sign(signer, tree_size=size, root_hash=root_hash, tip_hash=tip, origin=origin)


async def create_checkpoint(
    store: EventStore,
    signer: Signer,
    *,
    context: Context | None = None,
    origin: str = DEFAULT_ORIGIN,
) -> Checkpoint:
    """Sign the log up to its current head and record the checkpoint in the log.

    Called at every stage advance (``context`` then names the plan and stage) and on demand.
    """
    checkpoint = await checkpoint_of(store, signer, origin=origin)
    await store.append(
        CHECKPOINT_STREAM,
        [NewEvent(CHECKPOINT_TYPE, checkpoint.to_json(), Actor.system(), context or Context())],
    )
    return checkpoint


async def list_checkpoints(store: EventStore) -> list[Checkpoint]:
    """Every recorded checkpoint, oldest first."""
    events = await store.read_stream(CHECKPOINT_STREAM)
    return [Checkpoint.from_json(event.json_payload()) for event in events]
