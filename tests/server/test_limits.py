"""The per-person token bucket."""

from __future__ import annotations

from server.limits import Limits, PersonLimiter, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_debt_grows_and_refills_with_time() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == 0.1
    assert bucket.take() == 0.2
    clock.now = 1.0
    assert bucket.take() == 0.0


def test_buckets_are_per_person_not_per_connection() -> None:
    clock = Clock()
    limiter = PersonLimiter(Limits(updates_per_second=1, update_burst=1), clock)
    assert limiter.take("ayu") == 0.0
    assert limiter.take("ayu") > 0.0
    assert limiter.take("budi") == 0.0
