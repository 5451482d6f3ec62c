"""Checking an audit bundle offline: no server, no database, only the file and the keys.

In one pass over the lines it checks that

* every position of the log is there, once, in order (nothing removed or reordered);
* every event given in full hashes to its recorded hash and links to the one before it
  (no byte changed; ``events.record.record_hash`` is the one hash implementation);
* every stream given in full has versions 1, 2, 3, ... (no event of the plan held back);
* the header is signed by a trusted key, and the streams given in full are exactly the ones
  it lists, each with as many events as it says (no stream of the plan passed off as another
  plan's, not even a whole commitment's history);
* every checkpoint is signed by a trusted key and names the Merkle root and tip recomputed
  from the lines (no forged checkpoint, no rewrite of what was signed), and the header's
  checkpoint, signed at export, does so for the whole bundle (no change to its end);
* every document's CRDT updates apply, rebuilding the documents;

and, given a consistency proof, that the log the server holds now extends this one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from events.record import GENESIS_HASH, RecordedEvent, Stakeholder
from events.verify import ChainChecker

from .checkpoints import CHECKPOINT_TYPE, Checkpoint, CheckpointError
from .header import HeaderError, StreamCount, commitment_stream, parse_streams, verify_header
from .keys import Keyring, KeyringError
from .lines import FORMAT, READABLE_FORMATS, UNSIGNED_FORMATS, LineError, parse_event, parse_hash
from .merkle import Accumulator, ProofError, leaf_hash, root, verify_consistency
from .proofs import ConsistencyProof
from .replay import Replayer, ReplayError
from .summary import Summary


class BundleError(ValueError):
    """The bundle does not verify. ``line`` and ``position`` say where, when known."""

    def __init__(self, reason: str, *, line: int | None = None, position: int | None = None):
        where = []
        if line is not None:
            where.append(f"line {line}")
        if position is not None:
            where.append(f"position {position}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)
        self.reason = reason
        self.line = line
        self.position = position


@dataclass(slots=True)
class VerifiedCheckpoint:
    position: int  # where the checkpoint event sits in the log
    checkpoint: Checkpoint


@dataclass(slots=True)
class Verified:
    plan: str
    tree_size: int
    keys_from_bundle: bool  # True when no trusted keys were given: compare fingerprints!
    key_ids: list[str]
    full: int = 0
    withheld: int = 0
    checkpoints: list[VerifiedCheckpoint] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    replay: Replayer = field(default_factory=Replayer)
    consistency: tuple[int, Checkpoint] | None = None  # (old size, newer checkpoint) proved
    header_key: str | None = None  # who signed the header; None: unsigned (--allow-unsigned)
    at_export: Checkpoint | None = None  # the header's checkpoint of the whole bundle

    @property
    def signed_up_to(self) -> int:
        """How far the checkpoints recorded in the log reach (the header's is not one)."""
        return max((c.checkpoint.tree_size for c in self.checkpoints), default=0)


class _Roots:
    """Merkle roots at any size up to what has been read, cheap when asked in order."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.records: list[bytes] = []
        self._behind = Accumulator()

    def add(self, record: bytes) -> None:
        self.records.append(record)
        self.leaves.append(leaf_hash(record))

    def root(self, size: int) -> bytes:
        if size < self._behind.size:
            return root(self.leaves[:size])
        self._behind.extend(self.leaves[self._behind.size : size])
        return self._behind.root()

    def tip(self, size: int) -> bytes:
        return self.records[size - 1] if size else GENESIS_HASH


def _json(text: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BundleError(f"not valid JSON ({error})", line=number) from error
    if not isinstance(value, dict):
        raise BundleError("each line must be a JSON object", line=number)
    return value


def _keyring(header: Mapping[str, Any], trusted: Keyring | None) -> tuple[Keyring, bool]:
    if trusted is not None:
        return trusted, False
    try:
        return Keyring.from_json(header.get("public_keys", [])), True
    except KeyringError as error:
        raise BundleError(f"the header's public keys are unusable: {error}", line=1) from error


UNSIGNED = ("the bundle's header is not signed, so nothing ties it to the server (use "
            "--allow-unsigned to check the chain only)")


def verify_bundle(
    lines: Iterable[str],
    *,
    trusted_keys: Keyring | None = None,
    consistency: ConsistencyProof | None = None,
    allow_unsigned: bool = False,
) -> Verified:
    """Verify a bundle; raise ``BundleError`` at the first problem, saying where and what.

    ``allow_unsigned`` accepts a header with no signature (and so no checkpoint at export):
    the chain and the lines are still checked, but anyone could have written them."""
    numbered = enumerate(lines, start=1)
    first = next(numbered, None)
    if first is None:
        raise BundleError("the file is empty")
    header = _json(first[1], 1)
    if header.get("kind") == "header" and header.get("format") in UNSIGNED_FORMATS:
        raise BundleError(f"format {header['format']} has no signed header, so a stream of the "
                          f"plan could pass for another plan's: export the bundle again "
                          f"({FORMAT})", line=1)
    if header.get("kind") != "header" or header.get("format") not in READABLE_FORMATS:
        raise BundleError(f"not an audit bundle: the first line must be a {FORMAT} header", line=1)
    if "signature" not in header and not allow_unsigned:
        raise BundleError(UNSIGNED, line=1)
    keyring, from_bundle = _keyring(header, trusted_keys)
    try:
        declared_size = int(header["tree_size"])
        declared_head = parse_hash(header["head_hash"], "head_hash")
        streams = parse_streams(header) if "streams" in header or "signature" in header else None
        at_export = _at_export(header)
    except (KeyError, TypeError, ValueError) as error:
        reason = f"the header lacks a valid tree_size/head_hash/streams/checkpoint: {error}"
        raise BundleError(reason, line=1) from error
    result = Verified(str(header.get("plan")), declared_size, from_bundle, sorted(keyring))
    walk = _Walk(result, keyring, streams)
    for number, text in numbered:
        if text.strip():
            walk.line(_json(text, number), number)
    size = len(walk.roots.records)
    if size != declared_size or walk.chain.prev_hash != declared_head:
        raise BundleError(
            f"the bundle ends at position {size} but its header says {declared_size}"
            + ("" if size != declared_size else " with another head hash")
            + ": events were removed from the end or the header was changed"
        )
    if "signature" in header:
        try:
            result.header_key = verify_header(header, keyring)
        except HeaderError as error:
            raise BundleError(str(error), line=1) from error
    if at_export is not None:
        result.at_export = _check_at_export(at_export, keyring, walk.roots, size)
    if streams is not None:
        walk.check_streams(streams)
    if consistency is not None:
        _check_consistency(consistency, keyring, walk.roots, size)
        result.consistency = (consistency.old_size, consistency.checkpoint)
    return result


def _at_export(header: Mapping[str, Any]) -> Checkpoint | None:
    if "checkpoint" not in header:
        if "signature" in header:
            raise ValueError("a signed header carries the checkpoint signed at export")
        return None
    return Checkpoint.from_json(header["checkpoint"])


def _check_at_export(
    checkpoint: Checkpoint, keyring: Keyring, roots: _Roots, size: int
) -> Checkpoint:
    try:
        checkpoint.verify(keyring)
    except CheckpointError as error:
        raise BundleError(f"the header's checkpoint: {error}", line=1) from error
    if checkpoint.tree_size != size:
        raise BundleError(f"the header's checkpoint signs size {checkpoint.tree_size}, "
                          f"the bundle has {size} positions", line=1)
    _check_roots(checkpoint, roots, 1, None)
    return checkpoint


_HINTS = {
    "stored hash": "it was changed after it was recorded",
    "prev_hash": "the chain is broken",
    "version": "an event of this stream was held back or removed",
}


class _Walk:
    """One pass over the position lines: the chain (``events.verify.ChainChecker``, the
    log's own check), the Merkle roots, the checkpoints, the replay and the summary."""

    def __init__(
        self, result: Verified, keyring: Keyring, streams: dict[str, StreamCount] | None
    ) -> None:
        self.result = result
        self.keyring = keyring
        self.streams = streams
        self.seen: dict[str, StreamCount] = {}
        self.roots = _Roots()
        # Streams are given in full or not at all, so versions of full events run 1, 2, 3...
        self.chain = ChainChecker(track_versions=True)

    def line(self, line: dict[str, Any], number: int) -> None:
        position = self.chain.next_position
        found = line.get("position")
        if found != position:
            raise BundleError(f"expected position {position}, found {found}: an event was "
                              "removed, duplicated or moved", line=number, position=position)
        kind = line.get("kind")
        try:
            if kind == "withheld":
                self._withheld(parse_hash(line.get("hash"), "hash"))
            elif kind == "event":
                self._event(parse_event(line), number)
            else:
                raise BundleError(f"unknown line kind {kind!r}", line=number)
        except (LineError, ReplayError) as error:
            raise BundleError(str(error), line=number, position=position) from error

    def _withheld(self, record: bytes) -> None:
        # Its content is not here to recompute; the Merkle roots and the next event's link
        # still pin its hash.
        self.chain.next_position += 1
        self.chain.prev_hash = record
        self.roots.add(record)
        self.result.withheld += 1

    def _event(self, event: RecordedEvent, number: int) -> None:
        if not self.chain.check(event):
            reason = self.chain.reason or "the chain does not verify"
            hint = next((h for key, h in _HINTS.items() if key in reason), "")
            raise BundleError(f"{reason}: {hint}" if hint else reason, line=number,
                              position=event.position)
        if event.type == CHECKPOINT_TYPE and event.actor.stakeholder is not Stakeholder.SYSTEM:
            raise BundleError("a checkpoint recorded by a person, not the server", line=number)
        self._count(event, number)
        self.roots.add(event.hash)
        self.result.full += 1
        self.result.summary.add(event)
        self.result.replay.apply(event)
        if event.type == CHECKPOINT_TYPE:
            self.result.checkpoints.append(
                _check_checkpoint(event, self.keyring, self.roots, number)
            )


    def _count(self, event: RecordedEvent, number: int) -> None:
        if self.streams is None:
            return
        if event.stream_id not in self.streams:
            raise BundleError(f"stream {event.stream_id!r} is given in full but the header "
                              "does not list it", line=number, position=event.position)
        seen = self.seen.get(event.stream_id)
        self.seen[event.stream_id] = StreamCount(
            event.stream_id, (seen.events if seen else 0) + 1, event.position
        )
        document = commitment_stream(event, self.result.plan)
        if document is not None and document not in self.streams:
            raise BundleError(f"a commitment of the plan has its document in {document!r}, "
                              "but the header does not give that stream in full",
                              line=number, position=event.position)

    def check_streams(self, declared: dict[str, StreamCount]) -> None:
        for stream_id, count in sorted(declared.items()):
            seen = self.seen.get(stream_id, StreamCount(stream_id, 0, 0))
            if seen != count:
                raise BundleError(
                    f"stream {stream_id!r}: the signed header lists {count.events} events (the "
                    f"last at position {count.last_position}), but {seen.events} are given in "
                    "full: events of the plan were withheld as if they were another plan's"
                )


def _check_checkpoint(
    event: RecordedEvent, keyring: Keyring, roots: _Roots, number: int
) -> VerifiedCheckpoint:
    position = event.position
    try:
        checkpoint = Checkpoint.from_json(event.json_payload())
        checkpoint.verify(keyring)
    except (CheckpointError, ValueError) as error:
        raise BundleError(f"checkpoint: {error}", line=number, position=position) from error
    size = checkpoint.tree_size
    if size >= position:
        raise BundleError(
            f"checkpoint claims size {size}, but it can only sign the log before itself",
            line=number,
            position=position,
        )
    _check_roots(checkpoint, roots, number, position)
    return VerifiedCheckpoint(position, checkpoint)


def _check_roots(checkpoint: Checkpoint, roots: _Roots, number: int, position: int | None) -> None:
    size = checkpoint.tree_size
    if checkpoint.root != roots.root(size):
        raise BundleError(
            f"checkpoint of size {size}: the Merkle root recomputed from positions 1..{size} "
            "differs from the signed one: the history was changed after it was signed",
            line=number,
            position=position,
        )
    if checkpoint.tip_hash != roots.tip(size):
        raise BundleError(
            f"checkpoint of size {size}: the signed tip is not the hash at position {size}",
            line=number,
            position=position,
        )


def _check_consistency(
    proof: ConsistencyProof, keyring: Keyring, roots: _Roots, size: int
) -> None:
    if proof.old_size > size:
        raise BundleError(
            f"consistency proof starts at size {proof.old_size}, beyond this bundle's {size}"
        )
    check_proof(proof, roots.root(proof.old_size), keyring, "this bundle's history")


def check_proof(proof: ConsistencyProof, old_root: bytes, keyring: Keyring, what: str) -> None:
    """Raise ``BundleError`` unless ``proof`` shows that the signed newer checkpoint's log
    extends the tree of ``proof.old_size`` leaves whose root is ``old_root``."""
    try:
        proof.checkpoint.verify(keyring)
    except CheckpointError as error:
        raise BundleError(f"consistency proof: {error}") from error
    if proof.new_size != proof.checkpoint.tree_size:
        raise BundleError("consistency proof: its new size is not its checkpoint's size")
    try:
        verify_consistency(
            proof.old_size, proof.new_size, old_root, proof.checkpoint.root, proof.hashes
        )
    except ProofError as error:
        raise BundleError(
            f"consistency proof from size {proof.old_size} to {proof.new_size} fails ({error}): "
            f"the log the server signed now does not extend {what}"
        ) from error


def verify_checkpoint_proof(
    old: Checkpoint, proof: ConsistencyProof, keyring: Keyring
) -> None:
    """Check a proof against a checkpoint note someone kept (no bundle needed)."""
    try:
        old.verify(keyring)
    except CheckpointError as error:
        raise BundleError(f"the kept checkpoint: {error}") from error
    if proof.old_size != old.tree_size:
        raise BundleError(
            f"the proof starts at size {proof.old_size}, the kept checkpoint has {old.tree_size}"
        )
    check_proof(proof, old.root, keyring, f"the kept checkpoint of size {old.tree_size}")
