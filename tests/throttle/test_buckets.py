"""The one rate limiter: token buckets with a clock the test moves."""

from __future__ import annotations

from throttle import KeyedBuckets, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_spends_and_runs_into_debt() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.spend() for _ in range(4)] == [True, True, True, False]
    assert bucket.wait_for(1) == 0.5  # half a second for the next token, nothing spent
    assert bucket.take(2) == 1.0  # into debt: a second to wait out
    clock.now += 1.0
    assert bucket.wait_for(1) == 0.5
    clock.now += 10.0
    assert bucket.wait_for(3) == 0.0 and bucket.spend(3)  # never more than the burst
    assert not bucket.spend()


def test_keyed_buckets_forget_the_least_recently_used_key_only() -> None:
    clock = Clock()
    buckets = KeyedBuckets(rate=1, burst=1, max_keys=2, clock=clock)
    assert buckets.take("flooder") == 0.0 and buckets.take("flooder") == 1.0
    buckets.take("a")
    buckets.take("flooder")  # used again: the most recent
    buckets.take("b")  # a third key: "a", the least recently used, is forgotten
    assert buckets.get("a") is None
    assert buckets["flooder"].wait_for(1) > 0, "a key in use keeps its debt"
