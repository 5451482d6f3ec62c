"""Answers of heavy reads kept while their inputs cannot change.

The document at a position already in the log, and the comparison of two such versions, are
fixed forever: the log is append-only. Such answers are kept per projection database (the
newest ``MAX_ENTRIES``), so the same comparison of two stage snapshots asked by everyone in a
meeting is computed once. A read of "now" is keyed by the position it reflects, so an edit
makes the next read a new key: a live document is never served stale.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MAX_ENTRIES = 128


class ReadCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        found = self._kept.get(key)
        if found is None:
            self.misses += 1
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self._kept[key] = value
        self._kept.move_to_end(key)
        while len(self._kept) > self.max_entries:
            self._kept.popitem(last=False)


_caches: weakref.WeakKeyDictionary[Any, ReadCache] = weakref.WeakKeyDictionary()


def cache_of(storage: Any) -> ReadCache:
    """The cache of one projection database (a ``Storage``): answers from one database are
    never served for another's documents."""
    cache = _caches.get(storage)
    if cache is None:
        cache = _caches[storage] = ReadCache()
    return cache
