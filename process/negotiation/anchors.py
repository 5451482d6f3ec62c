"""Where a comment or suggestion sits in a commitment document: its section's text fields and
an anchor of two Yjs relative positions that follow the text as it is edited.

A section names its text fields: ``title`` (Y.Text), a prose section (Y.XmlFragment: every
XmlText inside, in document order), ``milestones.N[.FIELD]`` and ``contacts[.FIELD]`` (map
values, Y.Text or plain strings). A quote is found in one field (the first occurrence, in the
order above); a plain string value has no anchor, only its quote.

An anchor is ``start`` (the quote's first character, association 0, "after") and ``end`` (its
last character, association -1, "before"), each encoded exactly as yjs
``encodeRelativePosition`` does (var-uint 0, client, clock, then var-int association), so a
JavaScript client resolves them with ``createAbsolutePositionFromRelativePosition``. pycrdt
makes sticky indexes on Y.Text only, not on XmlText, so the ids of the characters are read
the way Yjs itself records them: a character inserted at an index in a scratch copy names
its left neighbour (``origin``) and right neighbour (``right origin``) in its update.

Three index units meet here: Python strings (code points), pycrdt's edits (UTF-8 bytes) and
Yjs positions and clocks (UTF-16 code units); the helpers below convert between them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

import ycodec
from commitment.template import CONTACT_KEYS, CONTACTS, MILESTONE_KEYS, MILESTONES, SECTIONS, TITLE
from ycodec.lib0 import Reader, var_uint

from ..errors import Invalid

WHOLE = "*"
OBJECT_CHAR = "\ufffc"
MARK = "\u2063"  # what the scratch copy inserts to read its neighbours' ids; never logged

Path = tuple[int | str, ...]
ItemId = tuple[int, int]


class UnknownSection(Invalid):
    code = "unknown_section"


class QuoteNotFound(Invalid):
    code = "quote_not_found"


class BadAnchor(Invalid):
    code = "invalid_anchor"


@dataclass(frozen=True, slots=True)
class Field:
    """One place text lives: its path from the root, the shared text (None for a plain string
    value) and its text now."""

    path: Path
    node: Text | XmlText | None
    text: str


@dataclass(frozen=True, slots=True)
class Position:
    """A decoded relative position that names a character."""

    item: ItemId
    assoc: int


@dataclass(frozen=True, slots=True)
class Placed:
    """A quote found in a field: ``start``/``end`` in UTF-16 units of the field's text."""

    field: Field
    start: int
    end: int

    @property
    def quote(self) -> str:
        return utf16_slice(self.field.text, self.start, self.end)


# -- sections and their fields ----------------------------------------------------------------


def check_section(name: str) -> str:
    """The section name as given, if the template has it (without looking at a document)."""
    parts = name.split(".")
    head = parts[0]
    ok = (
        name == WHOLE
        or (len(parts) == 1 and head in (TITLE, *SECTIONS, CONTACTS))
        or (head == CONTACTS and len(parts) == 2 and parts[1] in CONTACT_KEYS)
        or (head == MILESTONES and len(parts) in (2, 3) and parts[1].isdigit()
            and int(parts[1]) >= 1 and (len(parts) == 2 or parts[2] in MILESTONE_KEYS))
    )
    if not ok:
        raise UnknownSection(
            f"Bagian {name!r} tidak dikenal / unknown section {name!r}: use *, title, "
            f"{', '.join(SECTIONS)}, milestones.N[.FIELD] or contacts[.FIELD]")
    return name


def fields(doc: Doc[Any], section: str) -> list[Field]:
    """The text fields of ``section`` in ``doc``, in document order (none for ``*``)."""
    check_section(section)
    if section == WHOLE:
        return []
    parts = section.split(".")
    roots = set(doc.keys())
    head = parts[0]
    if head not in roots:
        if head == MILESTONES:
            raise UnknownSection(f"Tonggak {parts[1]} tidak ada / there is no milestone "
                                 f"{parts[1]}")
        return []
    if head == TITLE:
        title = doc.get(TITLE, type=Text)
        return [Field((TITLE,), title, plain(title))]
    if head in SECTIONS:
        return [Field((head, *path), node, plain(node))
                for path, node in _xml_texts(doc.get(head, type=XmlFragment), ())]
    if head == CONTACTS:
        contacts = doc.get(CONTACTS, type=Map)
        keys = [parts[1]] if len(parts) == 2 else list(CONTACT_KEYS)
        return [f for key in keys if (f := _map_field(contacts, (CONTACTS, key), key))]
    milestones = doc.get(MILESTONES, type=Array)
    index = int(parts[1]) - 1
    if index >= len(milestones) or not isinstance(milestones[index], Map):
        raise UnknownSection(f"Tonggak {parts[1]} tidak ada / there is no milestone {parts[1]}")
    milestone = milestones[index]
    keys = [parts[2]] if len(parts) == 3 else list(MILESTONE_KEYS)
    return [f for key in keys if (f := _map_field(milestone, (MILESTONES, index, key), key))]


def _xml_texts(node: XmlFragment | XmlElement, path: Path) -> Iterator[tuple[Path, XmlText]]:
    for index, child in enumerate(node.children):
        if isinstance(child, XmlText):
            yield (*path, index), child
        elif isinstance(child, XmlElement):
            yield from _xml_texts(child, (*path, index))


def _map_field(parent: Map[Any], path: Path, key: str) -> Field | None:
    if key not in parent:
        return None
    value = parent[key]
    if isinstance(value, Text):
        return Field(path, value, plain(value))
    if isinstance(value, str):
        return Field(path, None, value)
    return None


def node_at(doc: Doc[Any], path: Path) -> Text | XmlText:
    """The shared text at ``path`` (as ``fields`` names it) in another copy of the document."""
    head = path[0]
    value: Any
    if head == TITLE:
        value = doc.get(TITLE, type=Text)
    elif head == CONTACTS:
        value = doc.get(CONTACTS, type=Map)[str(path[1])]
    elif head == MILESTONES:
        value = doc.get(MILESTONES, type=Array)[int(path[1])][str(path[2])]
    else:
        value = doc.get(str(head), type=XmlFragment)
        for index in path[1:]:
            value = value.children[int(index)]
    if isinstance(value, Text | XmlText):
        return value
    raise LookupError(f"no text at {path}")


def plain(node: Text | XmlText) -> str:
    """The characters of a text as Yjs counts them (an embedded object is one character)."""
    if isinstance(node, Text):
        return str(node)
    return "".join(chunk if isinstance(chunk, str) else OBJECT_CHAR for chunk, _ in node.diff())


# -- index units ------------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le", errors="replace")


def utf16_find(text: str, quote: str) -> int:
    index = text.find(quote)
    return -1 if index < 0 else utf16_length(text[:index])


def utf8_offset(text: str, utf16_index: int) -> int:
    """pycrdt's edit index (UTF-8 bytes) of a UTF-16 position in ``text``."""
    return len(utf16_slice(text, 0, utf16_index).encode("utf-8"))


# -- relative positions ------------------------------------------------------------------------


def encode_position(item: ItemId, assoc: int) -> bytes:
    """``Y.encodeRelativePosition`` of a position on character ``item``."""
    client, clock = item
    # lib0 writeVarInt: sign in bit 6 of the first byte; only 0 and -1 are used here.
    return var_uint(0) + var_uint(client) + var_uint(clock) + (b"\x41" if assoc < 0 else b"\x00")


def decode_position(data: bytes) -> Position:
    """A position naming a character; positions naming a type (an empty text's start or end)
    are refused: an anchor always names characters of its quote."""
    try:
        reader = Reader(data)
        if reader.var_uint() != 0:
            raise BadAnchor("Jangkar harus menunjuk karakter / an anchor must name a character "
                            "(a relative position with an item)")
        item = (reader.var_uint(), reader.var_uint())
        first = reader.byte() if not reader.at_end else 0
        negative = bool(first & 0x40)
        magnitude = first & 0x3F
        if first & 0x80:
            raise BadAnchor("association out of range")
        reader.expect_end("relative position")
    except ycodec.DecodeError as error:
        raise BadAnchor(f"Jangkar tidak terbaca / the anchor cannot be read: {error}") from None
    return Position(item, -magnitude if negative else magnitude)


def from_base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadAnchor("Jangkar bukan base64 / the anchor is not base64") from None


def to_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def exists(doc: Doc[Any], item: ItemId) -> bool:
    """Whether the document has integrated ``item`` (deleted or not)."""
    client, clock = item
    return clock < ycodec.decode_state_vector(doc.get_state()).get(client, 0)


def scratch(doc: Doc[Any], client_id: int | None = None) -> Doc[Any]:
    """A copy of ``doc`` to edit without touching it (``client_id``: whose edits they are)."""
    copy: Doc[Any] = Doc() if client_id is None else Doc(client_id=client_id)
    copy.apply_update(doc.get_update())
    return copy


def neighbours(copy: Doc[Any], path: Path, utf16_index: int) -> tuple[ItemId | None,
                                                                        ItemId | None]:
    """The ids of the characters left and right of ``utf16_index`` in the text at ``path``, read
    from the item a mark inserted there names (the mark stays in ``copy``)."""
    node = node_at(copy, path)
    before = copy.get_state()
    node.insert(utf8_offset(plain(node), utf16_index), MARK)
    links = ycodec.item_links(copy.get_update(before))
    mark = next(link for link in links if link.client == copy.client_id)
    return mark.origin, mark.right_origin


def anchor_quote(doc: Doc[Any], section: str, quote: str) -> tuple[Placed | None, str | None,
                                                                   str | None]:
    """Find ``quote`` in ``section`` (first occurrence); return where, and the anchor's start
    and end (base64), None for a field without a shared text."""
    found = fields(doc, section)
    for field in found:
        start = utf16_find(field.text, quote)
        if start < 0:
            continue
        end = start + utf16_length(quote)
        placed = Placed(field, start, end)
        if field.node is None:
            return placed, None, None
        copy = scratch(doc)
        left, _ = neighbours(copy, field.path, end)  # first: it leaves ``start`` in place
        _, right = neighbours(copy, field.path, start)
        if left is None or right is None:
            raise QuoteNotFound("the quote's characters have no ids")  # cannot happen: quote
        return placed, to_base64(encode_position(right, 0)), to_base64(encode_position(left, -1))
    texts = [f.text for f in found]
    if any(quote in glue.join(texts) for glue in ("\n", " ", "")):
        raise QuoteNotFound(
            "Kutipan harus berada dalam satu paragraf atau satu isian / the quote must lie "
            "within one paragraph or one field; quote a shorter passage")
    raise QuoteNotFound(f"Kutipan tidak ditemukan di bagian {section!r} / the quote is not in "
                        f"section {section!r}")
