"""The Merkle leaf hashes of the log, read once and kept per open store.

Roots and proofs need every leaf up to a size; re-reading the whole log for each checkpoint
or proof request would make them O(log length) database reads each. The log is append-only
and the store verifies what it returns, so what was read stays true: we only read the tail.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from events.record import GENESIS_HASH
from events.store import EventStore

from .merkle import Accumulator, leaf_hash, root

PAGE = 5000
HASH_SIZE = 32


class LeafCache:
    """Record and leaf hashes of positions 1..size, each packed in one bytearray."""

    def __init__(self) -> None:
        self._packed = bytearray()
        self._records = bytearray()
        self._tree = Accumulator()  # so the root at the newest size costs O(log n)

    @property
    def size(self) -> int:
        return len(self._packed) // HASH_SIZE

    def record_hash(self, position: int) -> bytes:
        """The record hash at ``position`` (1-based): the chain tip of a tree of that size."""
        if not 1 <= position <= self.size:
            raise ValueError(f"position {position} is not among the {self.size} known")
        return bytes(self._records[(position - 1) * HASH_SIZE : position * HASH_SIZE])

    def add(self, position: int, record_hash: bytes) -> None:
        if position != self.size + 1:
            raise ValueError(f"leaf for position {position} after {self.size} leaves")
        leaf = leaf_hash(record_hash)
        self._packed += leaf
        self._records += record_hash
        self._tree.append(leaf)

    def root(self, size: int) -> bytes:
        """The Merkle root of positions 1..size."""
        if size == self.size:
            return self._tree.root()
        return root(self.leaves(size))

    def leaves(self, size: int) -> Sequence[bytes]:
        if size > self.size:
            raise ValueError(f"only {self.size} leaves are known, not {size}")
        packed = bytes(self._packed[: size * HASH_SIZE])
        return [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]

    async def read_up_to(self, store: EventStore, size: int) -> None:
        """Read the events of positions ``self.size + 1 .. size`` from the store."""
        while self.size < size:
            batch = await store.read_all(
                after_position=self.size, limit=min(PAGE, size - self.size)
            )
            if not batch:
                raise ValueError(f"the log ends at position {self.size}, before {size}")
            for event in batch:
                self.add(event.position, event.hash)


_caches: weakref.WeakKeyDictionary[EventStore, LeafCache] = weakref.WeakKeyDictionary()


async def cache_of(store: EventStore, size: int) -> LeafCache:
    """The store's leaf cache, holding at least positions 1..size."""
    cache = _caches.get(store)
    if cache is None:
        cache = _caches[store] = LeafCache()
    await cache.read_up_to(store, size)
    return cache


async def leaves_of(store: EventStore, size: int) -> tuple[Sequence[bytes], bytes]:
    """The leaf hashes of positions 1..size and the record hash at ``size`` (the tip)."""
    cache = await cache_of(store, size)
    tip = cache.record_hash(size) if size else GENESIS_HASH
    return cache.leaves(size), tip


async def root_of(store: EventStore, size: int) -> tuple[bytes, bytes]:
    """The Merkle root of positions 1..size and the record hash at ``size`` (the tip)."""
    cache = await cache_of(store, size)
    return cache.root(size), cache.record_hash(size) if size else GENESIS_HASH
