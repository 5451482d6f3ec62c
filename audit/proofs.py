"""Consistency proofs between an older tree size and a newer signed checkpoint.

JSON form (what ``GET /api/audit/consistency?from=N`` returns and ``kokreasi audit verify
--consistency`` reads)::

    {"old_size": N, "new_size": M, "proof": [hex, ...], "checkpoint": {...}, "note": "..."}

``checkpoint`` is the newer signed checkpoint (``Checkpoint.to_json``) of size M, ``note``
its signed-note text, ``proof`` the RFC 9162 2.1.4 consistency proof from N to M.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from events.store import EventStore

from .checkpoints import Checkpoint, CheckpointError, list_checkpoints
from .leaves import leaves_of
from .merkle import consistency_proof


class ProofRequestError(ValueError):
    """The proof asked for cannot be given (e.g. no checkpoint covers that size yet)."""


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    hashes: list[bytes]
    checkpoint: Checkpoint

    def to_json(self) -> dict[str, Any]:
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "proof": [h.hex() for h in self.hashes],
            "checkpoint": self.checkpoint.to_json(),
            "note": self.checkpoint.note(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsistencyProof:
        try:
            hashes = [bytes.fromhex(str(h)) for h in data["proof"]]
            if any(len(h) != 32 for h in hashes):
                raise ValueError("every proof hash has 32 bytes")
            return cls(
                old_size=int(data["old_size"]),
                new_size=int(data["new_size"]),
                hashes=hashes,
                checkpoint=Checkpoint.from_json(data["checkpoint"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, CheckpointError):
                raise
            raise CheckpointError(f"malformed consistency proof: {error!r}") from error


async def prove_consistency(
    store: EventStore, old_size: int, new_size: int | None = None
) -> ConsistencyProof:
    """Prove that the tree of ``old_size`` is a prefix of a recorded checkpoint's tree: the
    newest checkpoint, or the one of exactly ``new_size``."""
    if old_size < 0:
        raise ProofRequestError("from must be a tree size, 0 or more")
    checkpoints = await list_checkpoints(store)
    if new_size is None:
        candidates = checkpoints[-1:]
    else:
        candidates = [c for c in checkpoints if c.tree_size == new_size][-1:]
    if not candidates:
        raise ProofRequestError(
            "no checkpoint has been signed yet" if new_size is None
            else f"no checkpoint of size {new_size} exists"
        )
    checkpoint = candidates[0]
    if old_size > checkpoint.tree_size:
        raise ProofRequestError(
            f"size {old_size} is beyond the newest checkpoint ({checkpoint.tree_size}); "
            "ask again after the next checkpoint"
        )
    leaves, _ = await leaves_of(store, checkpoint.tree_size)
    return ConsistencyProof(
        old_size, checkpoint.tree_size, consistency_proof(leaves, old_size), checkpoint
    )
