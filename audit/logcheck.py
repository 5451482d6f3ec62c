"""The signed checkpoints checked against the log itself, for ``kokreasi verify``.

The chain alone cannot catch someone who changes a record and recomputes every hash after
it (the chain is intact again). A checkpoint signed before the change still names the old
Merkle root: recomputing the root from the stored record hashes shows the change, and the
checkpoints before and after it say between which positions it was made. Only reads: the
public keys come from ``--keys`` or the data directory's ``audit/public-keys.json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from events.record import RecordedEvent, Stakeholder
from events.store import EventStore

from .checkpoints import CHECKPOINT_STREAM, Checkpoint, CheckpointError
from .keys import Keyring, KeyringError, read_keyring
from .leaves import root_of


class CheckpointMismatch(ValueError):
    """A recorded checkpoint does not verify against the log."""


@dataclass(frozen=True, slots=True)
class CheckpointsChecked:
    count: int
    newest_size: int = 0
    newest_position: int = 0


async def check_checkpoints(
    store: EventStore, keyring: Keyring, recorded: list[RecordedEvent] | None = None
) -> CheckpointsChecked:
    """Raise ``CheckpointMismatch`` at the first recorded checkpoint (of ``recorded``, the
    checkpoint events, read from the log if not given) that is not signed by ``keyring`` or
    does not name the Merkle root and tip of the log as stored now."""
    if recorded is None:
        recorded = await store.read_stream(CHECKPOINT_STREAM)
    verified_size = 0
    for event in recorded:
        where = f"the checkpoint recorded at position {event.position}"
        try:
            if event.actor.stakeholder is not Stakeholder.SYSTEM:
                raise CheckpointError("it was recorded by a person, not the server")
            checkpoint = Checkpoint.from_json(event.json_payload())
            checkpoint.verify(keyring)
        except (CheckpointError, ValueError) as error:
            raise CheckpointMismatch(f"{where}: {error}") from error
        size = checkpoint.tree_size
        where = f"the checkpoint of size {size} recorded at position {event.position}"
        if size >= event.position:
            raise CheckpointMismatch(f"{where} claims to sign itself or later positions")
        root, tip = await root_of(store, size)
        if (root, tip) != (checkpoint.root, checkpoint.tip_hash):
            since = f"{verified_size + 1}..{size}" if verified_size < size else f"1..{size}"
            raise CheckpointMismatch(
                f"{where} does not match the log: the Merkle root of positions 1..{size} "
                f"differs from the signed one, so records in positions {since} were changed "
                "after it was signed (and the hashes recomputed to hide it)"
            )
        verified_size = max(verified_size, size)
    if not recorded:
        return CheckpointsChecked(0)
    return CheckpointsChecked(len(recorded), verified_size, recorded[-1].position)


def _read_keys(keys_file: Path | None, data_dir: Path) -> Keyring:
    if keys_file is not None:
        return Keyring.from_json(json.loads(keys_file.read_text()))
    return read_keyring(data_dir)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


async def run_check(store: EventStore, *, keys_file: Path | None, data_dir: Path) -> int:
    """Print what the checkpoints say of the log; the exit code of ``kokreasi verify`` (0
    fine, 1 tampering found, 2 could not check). Keys from ``keys_file`` or ``data_dir``."""
    try:
        keyring = await asyncio.to_thread(_read_keys, keys_file, data_dir)
    except (OSError, json.JSONDecodeError, KeyringError) as error:
        print(f"error: cannot read the public keys: {error}", file=sys.stderr)
        return 2
    recorded = await store.read_stream(CHECKPOINT_STREAM)
    count = len(recorded)
    if count == 0:
        print("checkpoints: no signed checkpoint in the log yet; only the chain was checked")
        return 0
    if not keyring:
        print(f"error: no public keys to check its {_plural(count, 'signed checkpoint')} "
              "with: give --keys KEYS.json (GET /api/audit/keys) or the --data-dir holding "
              "audit/public-keys.json", file=sys.stderr)
        return 2
    try:
        checked = await check_checkpoints(store, keyring, recorded)
    except CheckpointMismatch as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    head = (await store.head()).position
    verb = "verifies" if checked.count == 1 else "verify"
    print(f"checkpoints: {_plural(checked.count, 'signed checkpoint')} {verb} against the log; "
          f"the newest signs positions 1..{checked.newest_size} (recorded at position "
          f"{checked.newest_position})")
    if head > checked.newest_position:
        tail = (f"position {head} is" if head == checked.newest_position + 1
                else f"positions {checked.newest_position + 1}..{head} are")
        print(f"checkpoints: {tail} covered by the chain only")
    return 0
