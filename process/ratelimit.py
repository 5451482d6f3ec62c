"""Limits against spam and flooding, per client (a signed-in person, else an address) and in
total: public input, and the exports anyone may download.

Token buckets (``throttle``) held in memory by each server instance; a flood spread over
several instances is limited by each of them. The clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from throttle import KeyedBuckets, TokenBucket

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


class RateLimiter:
    """A bucket per client (a signed-in person, else an address) and one for everyone."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 refusals: Refusals = INPUT) -> None:
        self.limits = limits
        self.refusals = refusals
        self._clients = KeyedBuckets(limits.per_client / limits.per_client_window_s,
                                     limits.per_client, max_keys=MAX_TRACKED_CLIENTS,
                                     clock=clock)
        self._total = TokenBucket(limits.total / limits.total_window_s, limits.total, clock)

    def take(self, client: str) -> None:
        """Count one request from ``client``; raise ``RateLimited`` (and count nothing) if
        over."""
        bucket = self._clients[client]
        for over, message in ((bucket, self.refusals.client), (self._total, self.refusals.total)):
            wait = over.wait_for(1)
            if wait > 0:
                raise RateLimited(message, math.ceil(wait))
        bucket.spend()
        self._total.spend()
