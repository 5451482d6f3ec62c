"""The few pieces of the Yjs v1 binary encoding the projections read and write themselves.

pycrdt applies updates and reports each transaction's state vectors and delete set as bytes;
attribution needs to read those, to list which item ids hold shared types (paragraphs, list
items, milestone maps) and to build a delete-only update. Everything else stays in pycrdt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Ranges = dict[int, list[tuple[int, int]]]
"""Per Yjs client id, (clock, length) ranges, as in a delete set."""


class YDecodeError(ValueError):
    """Bytes that are not the Yjs v1 structure they were read as."""


@dataclass(slots=True)
class Reader:
    data: bytes
    offset: int = 0

    def byte(self) -> int:
        if self.offset >= len(self.data):
            raise YDecodeError("unexpected end of Yjs data")
        value = self.data[self.offset]
        self.offset += 1
        return value

    def var_uint(self) -> int:
        value = 0
        shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 70:
                raise YDecodeError("var-uint too long")

    def var_int(self) -> None:
        byte = self.byte()
        while byte & 0x80:
            byte = self.byte()

    def skip(self, count: int) -> None:
        if self.offset + count > len(self.data):
            raise YDecodeError("unexpected end of Yjs data")
        self.offset += count

    def var_string(self) -> str:
        length = self.var_uint()
        start = self.offset
        self.skip(length)
        return self.data[start : self.offset].decode("utf-8")

    def skip_any(self) -> None:
        """Skip one lib0 ``any`` value."""
        tag = self.byte()
        if tag in (127, 126, 121, 120):
            return
        if tag == 125:
            self.var_int()
        elif tag == 124:
            self.skip(4)
        elif tag in (123, 122):
            self.skip(8)
        elif tag == 119:
            self.skip(self.var_uint())
        elif tag == 118:
            for _ in range(self.var_uint()):
                self.skip(self.var_uint())
                self.skip_any()
        elif tag == 117:
            for _ in range(self.var_uint()):
                self.skip_any()
        elif tag == 116:
            self.skip(self.var_uint())
        else:
            raise YDecodeError(f"unknown lib0 any tag {tag}")


def var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_state_vector(data: bytes) -> dict[int, int]:
    try:
        numbers = _var_uints(data)
    except YDecodeError:
        numbers = []
    if not numbers or len(numbers) != 1 + 2 * numbers[0]:
        raise YDecodeError("malformed Yjs state vector")
    return dict(zip(numbers[1::2], numbers[2::2], strict=True))


def _var_uints(data: bytes) -> list[int]:
    """Every var-uint in ``data``, read in one loop (state vectors and delete sets are only
    var-uints; the fold reads one per batch or deleting keystroke)."""
    numbers: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            numbers.append(value)
            value = shift = 0
        else:
            shift += 7
    if shift:
        raise YDecodeError("unexpected end of Yjs data")
    return numbers


def read_delete_set(reader: Reader) -> Ranges:
    ranges: Ranges = {}
    for _ in range(reader.var_uint()):
        client = reader.var_uint()
        spans = ranges.setdefault(client, [])
        for _ in range(reader.var_uint()):
            clock = reader.var_uint()
            spans.append((clock, reader.var_uint()))
    return ranges


def decode_delete_set(data: bytes) -> Ranges:
    """A whole delete set (as pycrdt reports a transaction's): only var-uints, so read
    them all at once, then walk the numbers."""
    numbers = _var_uints(data)
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
        raise YDecodeError("malformed Yjs delete set") from None
    if index != len(numbers):
        raise YDecodeError("malformed Yjs delete set")
    return ranges


def deleted_per_client(data: bytes) -> dict[int, int]:
    """How many items a delete set (as pycrdt reports a transaction's) covers, per client:
    ``decode_delete_set`` summed, without building the ranges (once per deleting keystroke)."""
    numbers = _var_uints(data)
    counts: dict[int, int] = {}
    try:
        index = 1
        for _ in range(numbers[0]):
            client, spans_count = numbers[index], numbers[index + 1]
            end = index + 2 + 2 * spans_count
            counts[client] = counts.get(client, 0) + sum(numbers[index + 3 : end : 2])
            index = end
    except IndexError:
        raise YDecodeError("malformed Yjs delete set") from None
    if index != len(numbers):
        raise YDecodeError("malformed Yjs delete set")
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


# Content refs of Yjs v1 items whose length is not 1.
_DELETED, _JSON, _STRING, _TYPE, _ANY = 1, 2, 4, 7, 8
_XML_ELEMENT, _XML_HOOK = 3, 5


def type_item_ids(update: bytes) -> list[tuple[int, int]]:
    """The ids of every item holding a shared type (XML elements and texts, maps, arrays)
    in a Yjs v1 update, e.g. a whole document state."""
    reader = Reader(update)
    found: list[tuple[int, int]] = []
    for _ in range(reader.var_uint()):
        structs = reader.var_uint()
        client = reader.var_uint()
        clock = reader.var_uint()
        for _ in range(structs):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (0, 10):  # GC and Skip: just a length
                clock += reader.var_uint()
                continue
            if info & 0x80:
                reader.var_uint()
                reader.var_uint()
            if info & 0x40:
                reader.var_uint()
                reader.var_uint()
            if not info & 0xC0:
                if reader.var_uint() == 1:
                    reader.skip(reader.var_uint())
                else:
                    reader.var_uint()
                    reader.var_uint()
            if not info & 0xC0 and info & 0x20:
                reader.skip(reader.var_uint())
            clock += _skip_content(reader, ref, client, clock, found)
    return found


def _skip_content(
    reader: Reader, ref: int, client: int, clock: int, found: list[tuple[int, int]]
) -> int:
    if ref == _DELETED:
        return reader.var_uint()
    if ref == _STRING:
        text = reader.var_string()
        return len(text.encode("utf-16-le")) // 2
    if ref == _JSON:
        items = reader.var_uint()
        for _ in range(items):
            reader.skip(reader.var_uint())
        return items
    if ref == _ANY:
        items = reader.var_uint()
        for _ in range(items):
            reader.skip_any()
        return items
    if ref == _TYPE:
        type_ref = reader.var_uint()
        if type_ref in (_XML_ELEMENT, _XML_HOOK):
            reader.skip(reader.var_uint())
        found.append((client, clock))
        return 1
    if ref == 3 or ref == 5:  # binary
        reader.skip(reader.var_uint())
    elif ref == 6:  # format: key, JSON value
        reader.skip(reader.var_uint())
        reader.skip(reader.var_uint())
    elif ref == 9:  # subdocument: guid, options
        reader.skip(reader.var_uint())
        reader.skip_any()
    else:
        raise YDecodeError(f"unknown Yjs content ref {ref}")
    return 1
