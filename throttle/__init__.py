"""The one rate limiter of Kokreasi: token buckets, alone or one per key (a person, an address,
a client). Used by the live server (edits, costs, presence, handshakes, failures) and by the
process (public input, anonymous downloads). A leaf: it imports nothing else of Kokreasi."""

from .buckets import KeyedBuckets, TokenBucket

__all__ = ["KeyedBuckets", "TokenBucket"]
