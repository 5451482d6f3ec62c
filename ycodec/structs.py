"""Walking a Yjs v1 update's structs (yjs ``readClientsStructRefs`` and ``readItemContent``),
skipping their contents: whose structs an update carries (so the server can refuse forged
attribution; pycrdt does not say), how many (what applying it costs), and which items hold
shared types (attribution leaves those out). One walk, bounded like every read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .deletes import Ranges, read_delete_set
from .lib0 import DecodeError, Reader, skip_any

_GC, _SKIP = 0, 10
_ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB = 0x80, 0x40, 0x20
_XML_ELEMENT, _XML_HOOK = 3, 5
_TYPE = 7
_MAX_TYPE_REF = 6


@dataclass(frozen=True, slots=True)
class Outline:
    writers: dict[int, int]  # client id -> clock after its last struct in this update
    deletions: Ranges
    starts: dict[int, int] = field(default_factory=dict)  # client id -> its first struct's clock
    structs: int = 0  # what applying it costs grows with this, more than with its bytes


class TooManyStructs(DecodeError):
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
            info = reader.byte()
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                if kind == _GC:
                    starts[client] = min(starts.get(client, clock), clock)
                clock += reader.var_uint()
                wrote = wrote or kind == _GC
                continue
            starts[client] = min(starts.get(client, clock), clock)
            clock += skip_item(reader, info, kind)
            wrote = True
        if wrote:
            writers[client] = max(writers.get(client, 0), clock)
    deletions = read_delete_set(reader)
    reader.expect_end("update")
    return Outline(writers, deletions, starts, structs)


def _plausible(count: int, data: bytes) -> None:
    if count > len(data):
        raise DecodeError(f"update claims {count} entries in {len(data)} bytes")


def skip_item(reader: Reader, info: int, kind: int) -> int:
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
            raise DecodeError(f"unknown Yjs type ref {ref}")
        if ref in (_XML_ELEMENT, _XML_HOOK):
            reader.var_string()
        return 1
    if kind == 8:  # any
        length = reader.var_uint()
        for _ in range(length):
            skip_any(reader)
        return length
    if kind == 9:  # subdocument
        reader.var_string()
        skip_any(reader)
        return 1
    raise DecodeError(f"unknown Yjs content kind {kind}")


@dataclass(frozen=True, slots=True)
class ItemLinks:
    """Where one item of an update attaches: the ids it names (None when absent)."""

    client: int
    clock: int
    origin: tuple[int, int] | None
    right_origin: tuple[int, int] | None
    parent: tuple[int, int] | str | None  # an item id, a root's name, or None (from origins)


def item_links(update: bytes) -> list[ItemLinks]:
    """Every item of a Yjs v1 update with the ids it attaches to: which items an edit builds
    on, so a rule can refuse edits inside a part of the document whose items it knows."""
    reader = Reader(update)
    found: list[ItemLinks] = []
    groups = reader.var_uint()
    _plausible(groups, update)
    for _ in range(groups):
        count = reader.var_uint()
        _plausible(count, update)
        client = reader.var_uint()
        clock = reader.var_uint()
        for _ in range(count):
            info = reader.byte()
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                clock += reader.var_uint()
                continue
            start = reader.position
            origin = (reader.var_uint(), reader.var_uint()) if info & _ORIGIN else None
            right = (reader.var_uint(), reader.var_uint()) if info & _RIGHT_ORIGIN else None
            parent: tuple[int, int] | str | None = None
            if info & (_ORIGIN | _RIGHT_ORIGIN) == 0:
                parent = (reader.var_string() if reader.var_uint() == 1
                          else (reader.var_uint(), reader.var_uint()))
            reader.position = start
            found.append(ItemLinks(client, clock, origin, right, parent))
            clock += skip_item(reader, info, kind)
    return found


def names_client(update: bytes, client_id: int) -> bool:
    """Whether an update writes with ``client_id``, attaches an item to one of its items
    (origin, right origin, parent) or deletes one of them: one walk, stopping at the first."""
    reader = Reader(update)
    groups = reader.var_uint()
    _plausible(groups, update)
    for _ in range(groups):
        count = reader.var_uint()
        _plausible(count, update)
        client = reader.var_uint()
        reader.var_uint()  # clock
        if client == client_id and count:
            return True
        for _ in range(count):
            info = reader.byte()
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                reader.var_uint()
                continue
            start = reader.position
            if info & _ORIGIN and reader.var_uint() == client_id:
                return True
            if info & _ORIGIN:
                reader.var_uint()
            if info & _RIGHT_ORIGIN and reader.var_uint() == client_id:
                return True
            if info & (_ORIGIN | _RIGHT_ORIGIN) == 0 and reader.var_uint() != 1 and \
                    reader.var_uint() == client_id:
                return True
            reader.position = start
            skip_item(reader, info, kind)
    return client_id in read_delete_set(reader)


def type_item_ids(update: bytes) -> list[tuple[int, int]]:
    """The ids of every item holding a shared type (XML elements and texts, maps, arrays)
    in a Yjs v1 update, e.g. a whole document state."""
    reader = Reader(update)
    found: list[tuple[int, int]] = []
    groups = reader.var_uint()
    _plausible(groups, update)
    for _ in range(groups):
        count = reader.var_uint()
        _plausible(count, update)
        client = reader.var_uint()
        clock = reader.var_uint()
        for _ in range(count):
            info = reader.byte()
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                clock += reader.var_uint()
                continue
            if kind == _TYPE:
                found.append((client, clock))
            clock += skip_item(reader, info, kind)
    return found
