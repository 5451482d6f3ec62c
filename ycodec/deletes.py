"""Yjs v1 delete sets: per client id, (clock, length) ranges of deleted items; and the few
range operations attribution needs (what a transaction added, holes for structural items)."""

from __future__ import annotations

from collections.abc import Iterable

from .lib0 import DecodeError, Reader, var_uint, var_uints

Ranges = dict[int, list[tuple[int, int]]]
"""Per Yjs client id, (clock, length) ranges, as in a delete set."""

MAX_RANGES = 1 << 24  # per client: a delete set claiming more is malformed


def read_delete_set(reader: Reader) -> Ranges:
    """A Yjs v1 delete set: per client id, a list of (clock, length) ranges."""
    result: Ranges = {}
    clients = reader.var_uint()
    for _ in range(clients):
        client = reader.var_uint()
        ranges = reader.var_uint()
        if ranges > MAX_RANGES:
            raise DecodeError(f"delete set claims {ranges} ranges")
        spans = result.setdefault(client, [])
        for _ in range(ranges):
            clock = reader.var_uint()
            spans.append((clock, reader.var_uint()))
    return result


def decode_delete_set(data: bytes) -> Ranges:
    """A whole delete set (as pycrdt reports a transaction's): only var-uints, so read
    them all at once, then walk the numbers."""
    numbers = var_uints(data)
    ranges: Ranges = {}
    try:
        index = 1
        for _ in range(numbers[0]):
            client, spans_count = numbers[index], numbers[index + 1]
            index += 2
            spans = ranges.setdefault(client, [])
            for _ in range(spans_count):
                spans.append((numbers[index], numbers[index + 1]))
                index += 2
    except IndexError:
        raise DecodeError("malformed Yjs delete set") from None
    if index != len(numbers):
        raise DecodeError("malformed Yjs delete set")
    return ranges


def deleted_per_client(data: bytes) -> dict[int, int]:
    """How many items a delete set (as pycrdt reports a transaction's) covers, per client:
    ``decode_delete_set`` summed, without building the ranges (once per deleting keystroke)."""
    numbers = var_uints(data)
    counts: dict[int, int] = {}
    try:
        index = 1
        for _ in range(numbers[0]):
            client, spans_count = numbers[index], numbers[index + 1]
            end = index + 2 + 2 * spans_count
            counts[client] = counts.get(client, 0) + sum(numbers[index + 3 : end : 2])
            index = end
    except IndexError:
        raise DecodeError("malformed Yjs delete set") from None
    if index != len(numbers):
        raise DecodeError("malformed Yjs delete set")
    return counts


def encode_delete_set(ranges: Ranges) -> bytes:
    parts = [var_uint(len(ranges))]
    for client, spans in sorted(ranges.items()):
        parts += [var_uint(client), var_uint(len(spans))]
        for clock, length in spans:
            parts += [var_uint(clock), var_uint(length)]
    return b"".join(parts)


def delete_only_update(ranges: Ranges) -> bytes:
    """An update with no new items, only deletions: what "hide these items" looks like."""
    return var_uint(0) + encode_delete_set({c: s for c, s in ranges.items() if s})


def ranges_between(before: dict[int, int], after: dict[int, int]) -> Ranges:
    """The item ids a transaction added, from its state vectors before and after."""
    added: Ranges = {}
    for client, clock in after.items():
        start = before.get(client, 0)
        if clock > start:
            added[client] = [(start, clock - start)]
    return added


def count(ranges: Ranges) -> int:
    return sum(length for spans in ranges.values() for _, length in spans)


def subtract(ranges: Ranges, holes: Iterable[tuple[int, int]]) -> Ranges:
    """``ranges`` without the single ids ``holes`` (client, clock)."""
    by_client: dict[int, set[int]] = {}
    for client, clock in holes:
        by_client.setdefault(client, set()).add(clock)
    result: Ranges = {}
    for client, spans in ranges.items():
        cut = sorted(by_client.get(client, ()))
        out: list[tuple[int, int]] = []
        for start, length in spans:
            position = start
            end = start + length
            for hole in cut:
                if position <= hole < end:
                    if hole > position:
                        out.append((position, hole - position))
                    position = hole + 1
            if position < end:
                out.append((position, end - position))
        result[client] = out
    return result
