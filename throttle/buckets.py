"""Token buckets in memory, with an injectable clock so tests need not sleep.

A bucket holds up to ``burst`` tokens and gains ``rate`` a second. ``take`` may run into debt
(a steady abuser waits ever longer instead of being ignored); ``spend`` only spends what is
there; ``wait_for`` says how long until some tokens are there, spending nothing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._last = clock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        return self._tokens

    def take(self, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens; return 0 if they were there, else the seconds of debt to wait
        out."""
        self._tokens = self._refill() - cost
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def spend(self, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if they are there (no debt); return whether they were."""
        if self._refill() < cost:
            return False
        self._tokens -= cost
        return True

    def wait_for(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens are there (0 if they are); spends nothing."""
        missing = cost - self._refill()
        return max(0.0, missing / self.rate)


class KeyedBuckets:
    """One bucket per key, the least recently used forgotten past ``max_keys`` (a forgotten
    key starts full again: only a key idle the longest loses its debt)."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = 100_000,
                 clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __getitem__(self, key: str) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self._clock)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def get(self, key: str) -> TokenBucket | None:
        """The bucket of ``key`` if one is kept (nothing is made)."""
        return self._buckets.get(key)

    def take(self, key: str, cost: float = 1.0) -> float:
        return self[key].take(cost)
