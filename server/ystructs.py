"""Reading the outline of a Yjs v1 update: whose structs it carries, and what it deletes.

pycrdt can trim and apply updates but does not say which client ids an update writes with
(its ``get_state`` only counts clients whose structs start at clock 0), and the server must
know that to stop forged attribution. So this walks the v1 encoding (yjs
``readClientsStructRefs`` and ``readItemContent``), skipping contents, and then reads the
delete set. Any inconsistency raises ``ProtocolError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .protocol import ProtocolError, Reader, read_delete_set

DeleteSet = dict[int, list[tuple[int, int]]]

_GC, _SKIP = 0, 10
_ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB = 0x80, 0x40, 0x20
_XML_ELEMENT, _XML_HOOK = 3, 5
_MAX_TYPE_REF = 6
_MAX_ANY_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Outline:
    writers: dict[int, int]  # client id -> clock after its last struct in this update
    deletions: DeleteSet
    starts: dict[int, int] = field(default_factory=dict)  # client id -> its first struct's clock
    structs: int = 0  # what applying it costs grows with this, more than with its bytes


class TooManyStructs(ProtocolError):
    """An update carries more structs than the caller's limit (the walk stopped there)."""


def outline(update: bytes, max_structs: int | None = None) -> Outline:
    reader = Reader(update)
    writers: dict[int, int] = {}
    starts: dict[int, int] = {}
    structs = 0
    groups = reader.var_uint()
    _plausible(groups, update)
    for _ in range(groups):
        count = reader.var_uint()
        _plausible(count, update)
        structs += count
        if max_structs is not None and structs > max_structs:
            raise TooManyStructs(f"update carries over {max_structs} structs")
        client = reader.var_uint()
        clock = reader.var_uint()
        wrote = False
        for _ in range(count):
            info = _byte(reader)
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                if kind == _GC:
                    starts[client] = min(starts.get(client, clock), clock)
                clock += reader.var_uint()
                wrote = wrote or kind == _GC
                continue
            starts[client] = min(starts.get(client, clock), clock)
            clock += _skip_item(reader, info, kind)
            wrote = True
        if wrote:
            writers[client] = max(writers.get(client, 0), clock)
    deletions = read_delete_set(reader)
    reader.expect_end("update")
    return Outline(writers, deletions, starts, structs)


def _plausible(count: int, data: bytes) -> None:
    if count > len(data):
        raise ProtocolError(f"update claims {count} entries in {len(data)} bytes")


def _byte(reader: Reader) -> int:
    return reader.raw(1)[0]


def _skip_item(reader: Reader, info: int, kind: int) -> int:
    """Skip one item's header and content; return its length in clock units."""
    if info & _ORIGIN:
        reader.var_uint()
        reader.var_uint()
    if info & _RIGHT_ORIGIN:
        reader.var_uint()
        reader.var_uint()
    if info & (_ORIGIN | _RIGHT_ORIGIN) == 0:
        if reader.var_uint() == 1:
            reader.var_string()  # parent is a root type, named
        else:
            reader.var_uint()  # parent is an item: its id
            reader.var_uint()
        if info & _PARENT_SUB:
            reader.var_string()
    if kind == 1:  # deleted
        return reader.var_uint()
    if kind == 2:  # JSON
        length = reader.var_uint()
        for _ in range(length):  # each round reads at least a byte, so junk ends soon
            reader.var_string()
        return length
    if kind == 3:  # binary
        reader.var_uint8_array()
        return 1
    if kind == 4:  # string: clock counts UTF-16 code units, as JavaScript does
        text = reader.var_string()
        return len(text.encode("utf-16-le")) // 2
    if kind == 5:  # embed
        reader.var_string()
        return 1
    if kind == 6:  # format
        reader.var_string()
        reader.var_string()
        return 1
    if kind == 7:  # type
        ref = reader.var_uint()
        if ref > _MAX_TYPE_REF:
            raise ProtocolError(f"unknown Yjs type ref {ref}")
        if ref in (_XML_ELEMENT, _XML_HOOK):
            reader.var_string()
        return 1
    if kind == 8:  # any
        length = reader.var_uint()
        for _ in range(length):
            _skip_any(reader, 0)
        return length
    if kind == 9:  # subdocument
        reader.var_string()
        _skip_any(reader, 0)
        return 1
    raise ProtocolError(f"unknown Yjs content kind {kind}")


def _skip_any(reader: Reader, depth: int) -> None:
    """lib0's ``readAny``."""
    if depth > _MAX_ANY_DEPTH:
        raise ProtocolError("value nested too deeply")
    tag = _byte(reader)
    if tag in (127, 126, 121, 120):  # undefined, null, false, true
        return
    if tag == 125:  # var-int: like a var-uint, with a sign bit in the first byte
        reader.var_uint()
    elif tag == 124:
        reader.raw(4)
    elif tag in (123, 122):
        reader.raw(8)
    elif tag == 119:
        reader.var_string()
    elif tag == 118:
        for _ in range(reader.var_uint()):
            reader.var_string()
            _skip_any(reader, depth + 1)
    elif tag == 117:
        for _ in range(reader.var_uint()):
            _skip_any(reader, depth + 1)
    elif tag == 116:
        reader.var_uint8_array()
    else:
        raise ProtocolError(f"unknown value tag {tag}")
