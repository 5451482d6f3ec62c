"""Where the characters an anchor names stand now, and edits made on a scratch copy.

pycrdt's ``StickyIndex.get_index`` mixes units on non-ASCII text (whole items before the
character in UTF-8 bytes, the offset inside its own item in UTF-16 units) and says nothing of
which text holds it, so ``Resolver`` finds a character by deleting it in a scratch copy and
reading the change event instead (``docs/contracts.md``, "Negotiation").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pycrdt
from pycrdt import Array, Doc, Map, Text, XmlFragment, XmlText

import ycodec
from commitment.template import CONTACTS, MILESTONES, SECTIONS, TITLE

from .anchors import (
    BadAnchor,
    Field,
    ItemId,
    Path,
    Placed,
    Position,
    UnknownSection,
    decode_position,
    fields,
    from_base64,
    node_at,
    plain,
    scratch,
    utf16_length,
)


class Edits:
    """The update of the edits made in one transaction of a copy (only its own deletions:
    ``get_update`` would carry the whole document's delete set)."""

    def __init__(self, copy: Doc[Any]) -> None:
        self._copy = copy
        self._made: list[bytes] = []
        self._transaction: Any = None
        self._subscription: Any = None

    def __enter__(self) -> Edits:
        self._subscription = self._copy.observe(lambda event: self._made.append(event.update))
        self._transaction = self._copy.transaction()
        self._transaction.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._transaction.__exit__(*exc_info)
        self._copy.unobserve(self._subscription)

    def update(self) -> bytes:
        if not self._made:
            return b"\x00\x00"  # nothing changed: the empty update
        return self._made[0] if len(self._made) == 1 else pycrdt.merge_updates(*self._made)


@dataclass(frozen=True, slots=True)
class Found:
    """Where a character stands now: its text's path, its UTF-8 offset there (pycrdt's edit
    index), how many bytes it is, and that text as it stands."""

    path: Path
    byte: int
    size: int
    text: str

    @property
    def utf16(self) -> int:
        return utf16_length(self.text.encode("utf-8")[:self.byte].decode("utf-8", "replace"))


class Resolver:
    """Where the characters relative positions name stand now.

    pycrdt's ``StickyIndex.get_index`` mixes units on non-ASCII text (whole items before the
    character in UTF-8 bytes, the offset inside its own item in UTF-16 units), and says
    nothing of which text holds it. So a scratch copy deletes the character and reads the
    change event, as blame does: the text (its path), the offset (UTF-8 bytes, as every
    pycrdt event), or no event at all when the character is deleted already; then it types
    the character back, so the copy serves the next question. One copy per resolver, made on
    first use."""

    def __init__(self, doc: Doc[Any], client_id: int | None = None) -> None:
        self._doc = doc
        self._client_id = client_id
        self._vector = ycodec.decode_state_vector(doc.get_state())
        self._copy: Doc[Any] | None = None
        self._taken = b"\x00\x00"  # an empty update
        self._subscriptions: list[Any] = []
        self._seen: list[tuple[Path, list[dict[str, Any]]]] = []
        self._found: dict[ItemId, Found | None] = {}

    def _scratch(self) -> Doc[Any]:
        if self._copy is None:
            self._copy = scratch(self._doc, self._client_id)
            # Kept: pycrdt ends a subscription whose object is collected.
            self._subscriptions = [root.observe_deep(self._watcher(name))
                                   for name, root in _roots(self._copy).items()]
        return self._copy

    def _watcher(self, root: str) -> Any:
        def on_events(events: list[Any]) -> None:  # one parameter: pycrdt passes as declared
            for event in events:
                if isinstance(event.target, Text | XmlText):
                    self._seen.append(((root, *event.path), list(event.delta)))
        return on_events

    def where(self, item: ItemId) -> Found | None:
        """The character ``item`` names, None when it is deleted or unknown."""
        return self._probe(item, restore=True)

    def take(self, item: ItemId) -> Found | None:
        """As ``where``, leaving the character deleted in the copy (to edit it further)."""
        return self._probe(item, restore=False)

    def copy_and_taken(self) -> tuple[Doc[Any], bytes]:
        """The scratch copy and the update deleting what ``take`` took from it."""
        return self._scratch(), self._taken

    def _probe(self, item: ItemId, *, restore: bool) -> Found | None:
        if item in self._found:
            return self._found[item]
        client, clock = item
        found = None
        if clock < self._vector.get(client, 0):
            copy = self._scratch()
            self._seen.clear()
            deletion = ycodec.delete_only_update({client: [(clock, 1)]})
            copy.apply_update(deletion)
            seen, self._seen = self._seen[:1], []
            for path, delta in seen:
                byte, size = 0, 0
                for op in delta:
                    if "retain" in op:
                        byte += int(op["retain"])
                    elif "delete" in op:
                        size = int(op["delete"])
                        break
                text = plain(node_at(self._doc, path))
                back = text.encode("utf-8")[byte:byte + size].decode("utf-8", "replace")
                found = Found(path, byte, size, text)
                if any(ord(char) > 0xFFFF for char in back):
                    # pycrdt deleted half of a surrogate pair and shows the whole character
                    # gone, keeping half of it: start over with a copy that deletes both.
                    self._copy, self._subscriptions = None, []
                    deletion = ycodec.delete_only_update({client: [(clock, 2)]})
                    if not restore:
                        self._scratch().apply_update(deletion)
                elif restore:
                    node_at(copy, path).insert(byte, back)
                if not restore:
                    self._taken = deletion
            self._seen.clear()  # the character typed back
        self._found[item] = found
        return found


def _roots(doc: Doc[Any]) -> dict[str, Any]:
    present = set(doc.keys())
    kinds: dict[str, type[Any]] = {TITLE: Text, MILESTONES: Array, CONTACTS: Map}
    kinds.update({name: XmlFragment for name in SECTIONS})
    return {name: doc.get(name, type=kind) for name, kind in kinds.items() if name in present}


def positions(start: str, end: str) -> tuple[Position, Position]:
    return decode_position(from_base64(start)), decode_position(from_base64(end))


def locate_field(doc: Doc[Any], section: str, path: Path) -> Field | None:
    """The shared text at ``path`` if it is one of ``section``'s fields."""
    try:
        return next((f for f in fields(doc, section) if f.path == path and f.node is not None),
                    None)
    except UnknownSection:
        return None


def place(doc: Doc[Any], section: str, start: str, end: str,
          resolver: Resolver | None = None) -> Placed:
    """The text a client's anchor spans now (``start`` == ``end``: an insertion point, before
    the character for association 0, after it for -1). Raises ``BadAnchor``."""
    first, last = positions(start, end)
    resolver = resolver or Resolver(doc)
    a, b = resolver.where(first.item), resolver.where(last.item)
    if a is None or b is None or a.path != b.path:
        raise BadAnchor("Jangkar menunjuk teks yang tidak ada (lagi) / the anchor names text "
                        "the document does not have (any more)")
    field = locate_field(doc, section, a.path)
    if field is None:
        raise BadAnchor(f"Jangkar tidak berada di bagian {section!r} / the anchor is not in "
                        f"section {section!r}")
    if start == end:
        at = a.utf16 if first.assoc >= 0 else utf16_length(
            a.text.encode()[:a.byte + a.size].decode("utf-8", "replace"))
        return Placed(field, at, at)
    upto = utf16_length(b.text.encode()[:b.byte + b.size].decode("utf-8", "replace"))
    if upto <= a.utf16:
        raise BadAnchor("the anchor's end comes before its start")
    return Placed(field, a.utf16, upto)


def locate(doc: Doc[Any], section: str, start: str, end: str, quote: str,
           resolver: Resolver | None = None) -> Placed | None:
    """Where the quote still stands at the anchor (its first character, then the quote's
    text): None when stale (edited or deleted since)."""
    try:
        first, _ = positions(start, end)
    except BadAnchor:
        return None
    found = (resolver or Resolver(doc)).where(first.item)
    if found is None:
        return None
    field = locate_field(doc, section, found.path)
    wanted = quote.encode("utf-8")
    if field is None or found.text.encode("utf-8")[found.byte:found.byte + len(wanted)] \
            != wanted:
        return None
    return Placed(field, found.utf16, found.utf16 + utf16_length(quote))


def collapsed(doc: Doc[Any], start: str, end: str, resolver: Resolver | None = None) -> bool:
    """Whether the anchored text is gone: its first and last characters are both deleted."""
    try:
        first, last = positions(start, end)
    except BadAnchor:
        return True
    resolver = resolver or Resolver(doc)
    return resolver.where(first.item) is None and resolver.where(last.item) is None
