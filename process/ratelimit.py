"""Limits on public input, against spam and flooding: per client (a signed-in person, else
an address) and in total.

Token buckets held in memory by each server instance; a flood spread over several instances
is limited by each of them. The clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .errors import RateLimited

MAX_TRACKED_CLIENTS = 10_000


@dataclass(frozen=True, slots=True)
class Limits:
    per_client: int = 10  # inputs a client address may send in a burst ...
    per_client_window_s: float = 600.0  # ... refilled evenly over this window
    total: int = 300  # inputs all clients together may send in a burst ...
    total_window_s: float = 60.0  # ... refilled over this window


class _Bucket:
    __slots__ = ("level", "stamp")

    def __init__(self, level: float, stamp: float) -> None:
        self.level = level
        self.stamp = stamp


class InputRateLimiter:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._clients: OrderedDict[str, _Bucket] = OrderedDict()
        self._total = _Bucket(float(limits.total), clock())

    def _refill(self, bucket: _Bucket, capacity: int, window_s: float, now: float) -> None:
        bucket.level = min(capacity, bucket.level + (now - bucket.stamp) * capacity / window_s)
        bucket.stamp = now

    def take(self, client: str) -> None:
        """Count one input from ``client``; raise ``RateLimited`` (and count nothing) if over."""
        limits, now = self.limits, self._clock()
        bucket = self._clients.pop(client, None) or _Bucket(float(limits.per_client), now)
        self._clients[client] = bucket
        while len(self._clients) > MAX_TRACKED_CLIENTS:
            self._clients.popitem(last=False)
        self._refill(bucket, limits.per_client, limits.per_client_window_s, now)
        self._refill(self._total, limits.total, limits.total_window_s, now)
        if bucket.level < 1:
            wait = (1 - bucket.level) * limits.per_client_window_s / limits.per_client
            raise RateLimited(
                "Terlalu banyak masukan dari alamat ini; coba lagi nanti / too much input from "
                "this address; please try again later", math.ceil(wait),
            )
        if self._total.level < 1:
            wait = (1 - self._total.level) * limits.total_window_s / limits.total
            raise RateLimited(
                "Terlalu banyak masukan saat ini; coba lagi sebentar lagi / the consultation is "
                "receiving too much input right now; please try again shortly", math.ceil(wait),
            )
        bucket.level -= 1
        self._total.level -= 1
