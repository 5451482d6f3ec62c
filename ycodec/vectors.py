"""Yjs v1 state vectors: a var-uint count, then (client id, clock) var-uint pairs."""

from __future__ import annotations

from collections.abc import Mapping

from .lib0 import DecodeError, var_uint, var_uints


def decode_state_vector(data: bytes) -> dict[int, int]:
    # All numbers first, in one loop, then the count: a few bytes claiming millions of entries
    # cost nothing here (pycrdt would reserve room for every claimed entry before reading).
    numbers = var_uints(data)
    if not numbers:
        raise DecodeError("empty state vector")
    if len(numbers) != 1 + 2 * numbers[0]:
        raise DecodeError(f"state vector claims {numbers[0]} entries in {len(data)} bytes, "
                          f"which hold {(len(numbers) - 1) / 2:g}")
    return dict(zip(numbers[1::2], numbers[2::2], strict=True))


def encode_state_vector(vector: Mapping[int, int]) -> bytes:
    parts = [var_uint(len(vector))]
    for client, clock in sorted(vector.items()):
        parts.append(var_uint(client))
        parts.append(var_uint(clock))
    return b"".join(parts)
