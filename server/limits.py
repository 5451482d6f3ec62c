"""Limits that keep one person or one slow client from hurting a room (no I/O)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_bytes: int = 1024 * 1024
    updates_per_second: float = 50.0  # per person, across all their connections
    update_burst: float = 200.0  # a paste or a reconnect's catch-up arrives at once
    # A client is too slow, and dropped, when more than this waits for it while a send to it
    # has been stuck for ``send_stall_seconds``; a burst to a client that keeps reading is
    # fine up to four times as much.
    max_send_queue_bytes: int = 8 * 1024 * 1024
    max_send_queue_messages: int = 10_000
    send_stall_seconds: float = 2.0
    denied_notice_interval: float = 1.0  # seconds between permission-denied replies


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; ``delay`` says how long to wait for one."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._last = clock()

    def take(self, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens; return 0 if they were there, else the seconds of debt to wait
        out. Debt is allowed, so a steady abuser waits ever longer instead of being ignored."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= cost
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.rate


class PersonLimiter:
    """One bucket per person, not per IP: a whole office shares one address."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, person_id: str, cost: float = 1.0) -> float:
        bucket = self._buckets.get(person_id)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()  # full buckets carry no information; forget them
            bucket = TokenBucket(self._limits.updates_per_second, self._limits.update_burst,
                                 self._clock)
            self._buckets[person_id] = bucket
        return bucket.take(cost)
