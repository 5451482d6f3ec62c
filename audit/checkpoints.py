"""Signed checkpoints: the server's signed statement of what the log held at some size.

A checkpoint is a signed note in the style of a transparency-log checkpoint (C2SP
tlog-checkpoint). The signed body is UTF-8 text, every line ending in ``\\n``::

    kokreasi                                        origin: names the log
    1234                                            tree size: positions 1..1234
    3q2+7w...=                                      RFC 9162 Merkle root, standard base64
    tip 9f8e...=                                    record hash at position 1234, base64
    time 2026-11-28T16:30:00.000000Z                when it was signed (UTC)

The note is the body, an empty line, then one signature line::

    — kokreasi <base64(8-byte key id || 64-byte Ed25519 signature over the body)>

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

from .keys import Keyring, Signer
from .leaves import root_of

CHECKPOINT_TYPE = catalog.register("audit.checkpoint")
CHECKPOINT_STREAM = "audit:checkpoints"
DEFAULT_ORIGIN = "kokreasi"
SIGNATURE_MARK = "\u2014 "  # an em dash and a space open a signature line, as in signed notes


class CheckpointError(ValueError):
    """A checkpoint is malformed or its signature does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    tree_size: int
    root: bytes
    tip_hash: bytes
    time: datetime
    key_id: str
    signature: bytes

    def body(self) -> str:
        return checkpoint_body(self.origin, self.tree_size, self.root, self.tip_hash, self.time)

    def note(self) -> str:
        blob = base64.b64encode(bytes.fromhex(self.key_id) + self.signature).decode()
        return f"{self.body()}\n{SIGNATURE_MARK}{self.origin} {blob}\n"

    def verify(self, keyring: Keyring) -> None:
        """Raise ``CheckpointError`` unless a key of ``keyring`` signed exactly this body."""
        key = keyring.get(self.key_id)
        if key is None:
            raise CheckpointError(
                f"checkpoint of size {self.tree_size} is signed by unknown key {self.key_id}"
            )
        if not key.verify(self.signature, self.body().encode("utf-8")):
            raise CheckpointError(
                f"checkpoint of size {self.tree_size}: the signature by key {self.key_id} "
                "does not match its content (forged or altered)"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "tip_hash": self.tip_hash.hex(),
            "time": format_timestamp(self.time),
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        try:
            checkpoint = cls(
                origin=str(data["origin"]),
                tree_size=int(data["tree_size"]),
                root=bytes.fromhex(str(data["root"])),
                tip_hash=bytes.fromhex(str(data["tip_hash"])),
                time=parse_timestamp(str(data["time"])),
                key_id=str(data["key_id"]),
                signature=bytes.fromhex(str(data["signature"])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"malformed checkpoint: {error!r}") from error
        _check_shape(checkpoint)
        return checkpoint

    @classmethod
    def from_note(cls, text: str) -> Checkpoint:
        """Parse the signed-note text form (what the public page shows)."""
        body, separator, signatures = text.partition("\n\n")
        lines = body.split("\n")
        if not separator or len(lines) != 5:
            raise CheckpointError("a checkpoint note has 5 body lines, an empty line, a signature")
        origin, size, root_b64, tip_line, time_line = lines
        signature_line = signatures.strip("\n").split("\n")[0]
        try:
            if not tip_line.startswith("tip ") or not time_line.startswith("time "):
                raise ValueError("expected 'tip ...' and 'time ...' lines")
            if not signature_line.startswith(SIGNATURE_MARK):
                raise ValueError("the signature line must start with an em dash")
            name, _, blob = signature_line[len(SIGNATURE_MARK) :].rpartition(" ")
            if name != origin:
                raise ValueError(f"signature is by {name!r}, the note is of {origin!r}")
            raw = base64.b64decode(blob, validate=True)
            checkpoint = cls(
                origin=origin,
                tree_size=int(size),
                root=base64.b64decode(root_b64, validate=True),
                tip_hash=base64.b64decode(tip_line[4:], validate=True),
                time=parse_timestamp(time_line[5:]),
                key_id=raw[:8].hex(),
                signature=raw[8:],
            )
        except (ValueError, binascii.Error) as error:
            raise CheckpointError(f"malformed checkpoint note: {error}") from error
        _check_shape(checkpoint)
        return checkpoint


def _check_shape(checkpoint: Checkpoint) -> None:
    if checkpoint.tree_size < 0:
        raise CheckpointError("a checkpoint's tree size cannot be negative")
    if len(checkpoint.root) != 32 or len(checkpoint.tip_hash) != 32:
        raise CheckpointError("a checkpoint's root and tip are 32-byte SHA-256 hashes")
    if len(checkpoint.signature) != 64 or len(checkpoint.key_id) != 16:
        raise CheckpointError("a checkpoint has an 8-byte key id and a 64-byte signature")


def checkpoint_body(
    origin: str, tree_size: int, root_hash: bytes, tip_hash: bytes, time: datetime
) -> str:
    if not origin or any(c.isspace() for c in origin):
        raise CheckpointError(f"origin {origin!r} must be one word with no spaces")
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
        key_id=signer.key_id,
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
