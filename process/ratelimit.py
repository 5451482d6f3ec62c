"""Limits against spam and flooding, per client (a signed-in person, else an address) and in
total: public input, and the exports anyone may download.

Token buckets held in memory by each server instance; a flood spread over several instances
is limited by each of them. The clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from .errors import RateLimited

MAX_TRACKED_CLIENTS = 10_000


@dataclass(frozen=True, slots=True)
class Limits:
    per_client: int = 10  # requests a client may send in a burst ...
    per_client_window_s: float = 600.0  # ... refilled evenly over this window
    total: int = 300  # requests all clients together may send in a burst ...
    total_window_s: float = 60.0  # ... refilled over this window

    def configured(self, extra: Mapping[str, str], prefix: str) -> Limits:
        """These limits with any given in ``Settings.extra`` as ``{prefix}_{field}``."""
        given = {f.name: type(getattr(self, f.name))(extra[f"{prefix}_{f.name}"])
                 for f in fields(self) if f"{prefix}_{f.name}" in extra}
        return replace(self, **given)


@dataclass(frozen=True, slots=True)
class Refusals:
    """What a refused client is told (Indonesian / English)."""

    client: str
    total: str


INPUT = Refusals(
    "Terlalu banyak masukan dari Anda atau alamat ini; coba lagi nanti / too much input from "
    "you or this address; please try again later",
    "Terlalu banyak masukan saat ini; coba lagi sebentar lagi / the consultation is receiving "
    "too much input right now; please try again shortly",
)


class _Bucket:
    __slots__ = ("level", "stamp")

    def __init__(self, level: float, stamp: float) -> None:
        self.level = level
        self.stamp = stamp


class RateLimiter:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 refusals: Refusals = INPUT) -> None:
        self.limits = limits
        self.refusals = refusals
        self._clock = clock
        self._clients: OrderedDict[str, _Bucket] = OrderedDict()
        self._total = _Bucket(float(limits.total), clock())

    def _refill(self, bucket: _Bucket, capacity: int, window_s: float, now: float) -> None:
        bucket.level = min(capacity, bucket.level + (now - bucket.stamp) * capacity / window_s)
        bucket.stamp = now

    def take(self, client: str) -> None:
        """Count one request from ``client``; raise ``RateLimited`` (and count nothing) if
        over."""
        limits, now = self.limits, self._clock()
        bucket = self._clients.pop(client, None) or _Bucket(float(limits.per_client), now)
        self._clients[client] = bucket
        while len(self._clients) > MAX_TRACKED_CLIENTS:
            self._clients.popitem(last=False)
        self._refill(bucket, limits.per_client, limits.per_client_window_s, now)
        self._refill(self._total, limits.total, limits.total_window_s, now)
        if bucket.level < 1:
            wait = (1 - bucket.level) * limits.per_client_window_s / limits.per_client
            raise RateLimited(self.refusals.client, math.ceil(wait))
        if self._total.level < 1:
            wait = (1 - self._total.level) * limits.total_window_s / limits.total
            raise RateLimited(self.refusals.total, math.ceil(wait))
        bucket.level -= 1
        self._total.level -= 1
