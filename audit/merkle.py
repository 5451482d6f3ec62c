"""The Merkle tree of the log, exactly as RFC 6962 / RFC 9162 (section 2.1) define it.

The leaves are the events in position order; the leaf data of an event is its 32-byte record
hash (``events.record.record_hash``), so the tree commits to every field of every event.

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

Anyone can check our roots and proofs with any RFC 9162 implementation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify, or was asked for sizes that make no sense."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of the leaf hashes ``hashes[start:end]`` (non-empty).

    Pairing level by level and carrying an odd last node up unchanged builds the same tree as
    the RFC's recursive split, without recursion and with one list per level."""
    level = list(hashes[start:end])
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head of the given leaf hashes (already ``leaf_hash``-ed)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 2.1.3.1, for the tree of all ``leaf_hashes``."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            proof.append(_subtree(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree(leaf_hashes, start, start + k))
            start += k
    proof.reverse()  # the RFC lists the path from the leaf up
    return proof


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """RFC 9162 2.1.3.2; ``leaf`` is the leaf hash. Raises ``ProofError`` when it fails."""
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != expected_root:
        raise ProofError("inclusion proof does not lead to the expected root")


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1: that the first ``old_size`` leaves' tree is a
    prefix of the tree of all ``leaf_hashes``."""
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ProofError(f"cannot prove size {old_size} against a tree of size {size}")
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    m, start, end, complete = old_size, 0, size, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(_subtree(leaf_hashes, start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(_subtree(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree(leaf_hashes, start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()  # SUBPROOF appends on the way back up the recursion
    return proof


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """RFC 9162 2.1.4.2. Raises ``ProofError`` unless the old tree is a prefix of the new."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == new_size or old_size == 0:
        # Nothing to prove beyond equality (or the empty tree, a prefix of everything).
        if proof:
            raise ProofError(f"a proof from size {old_size} to {new_size} must be empty")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is wrong")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)  # a complete old tree is itself a node of the new one
    if not path:
        raise ProofError("consistency proof is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the proof does not lead to the root of the old tree (size {old_size})")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the root of the new tree (size {new_size})")


class Accumulator:
    """The tree head after each appended leaf, in O(log n) memory and time per leaf.

    Keeps the roots of the perfect subtrees that make up the tree so far (a "compact
    range"), largest first; the root folds them from the right, as RFC 9162 splits."""

    def __init__(self) -> None:
        self._peaks: list[tuple[int, bytes]] = []  # (height, subtree hash)
        self.size = 0

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash (already ``leaf_hash``-ed)."""
        height, current = 0, leaf
        while self._peaks and self._peaks[-1][0] == height:
            _, left = self._peaks.pop()
            current = node_hash(left, current)
            height += 1
        self._peaks.append((height, current))
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self._peaks:
            return EMPTY_ROOT
        current = self._peaks[-1][1]
        for _, left in reversed(self._peaks[:-1]):
            current = node_hash(left, current)
        return current
