"""Readable summaries of document events: "inserted 'abc' in problem", "deleted 12 characters
in commitment", "set milestones.1.deliverable"; the same in Bahasa Indonesia ("menambahkan
'abc' di Masalah publik"), and as structured parts a client can word in any language.

Only computed for the events a person asks to see: the recorder watches a replayed document
while those events are applied, so the fold itself never pays for rendering text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

from commitment.labels import GROUPS, GUIDANCE
from commitment.template import CONTACTS, META, MILESTONES, SECTIONS, TITLE

QUOTE_LIMIT = 60

SECTION_NAMES_ID: dict[str, str] = {
    TITLE: "Judul", META: GROUPS["meta"][0], MILESTONES: GROUPS["milestones"][0],
    CONTACTS: GROUPS["contacts"][0],
    **{name: guidance.heading_id for name, guidance in GUIDANCE.items()},
}
"""Section headings in Bahasa Indonesia, for ``summary_id`` (the web has its own labels)."""


def _quoted(text: str) -> str:
    shown = text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
    return repr(shown)


@dataclass(slots=True)
class SectionChange:
    inserted: list[str] = field(default_factory=list)
    deleted: int = 0
    fields: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EventChanges:
    sections: dict[str, SectionChange] = field(default_factory=dict)

    def section(self, name: str) -> SectionChange:
        return self.sections.setdefault(name, SectionChange())

    def inserted_chars(self) -> int:
        """Characters of inserted text, plus one per field set (a milestone's date, say)."""
        return sum(sum(len(t) for t in c.inserted) + len(c.fields)
                   for c in self.sections.values())

    def deleted_chars(self) -> int:
        return sum(c.deleted for c in self.sections.values())

    def parts(self) -> list[dict[str, Any]]:
        """What the event did, one part per change, in the order of ``summary``:
        ``{"op": "insert", "section": S, "text": T}``, ``{"op": "delete", "section": S,
        "chars": N}``, ``{"op": "set", "section": S, "field": "milestones.1.deliverable"}``."""
        parts: list[dict[str, Any]] = []
        for name, change in self.sections.items():
            text = "".join(change.inserted)
            if text:
                parts.append({"op": "insert", "section": name, "text": text})
            if change.deleted:
                parts.append({"op": "delete", "section": name, "chars": change.deleted})
            parts.extend({"op": "set", "section": name, "field": f} for f in change.fields)
        return parts

    def summary(self) -> str:
        """In English: "inserted 'abc' in problem; deleted 3 characters in problem"."""
        words: list[str] = []
        for part in self.parts():
            if part["op"] == "insert":
                words.append(f"inserted {_quoted(part['text'])} in {part['section']}")
            elif part["op"] == "delete":
                noun = "character" if part["chars"] == 1 else "characters"
                words.append(f"deleted {part['chars']} {noun} in {part['section']}")
            else:
                words.append(f"set {part['field']}")
        return "; ".join(words) or "no visible change"

    def summary_id(self) -> str:
        """In Bahasa Indonesia, with section headings: "menambahkan 'abc' di Masalah
        publik; menghapus 3 karakter di Masalah publik"."""
        words: list[str] = []
        for part in self.parts():
            where = SECTION_NAMES_ID.get(part["section"], part["section"])
            if part["op"] == "insert":
                words.append(f"menambahkan {_quoted(part['text'])} di {where}")
            elif part["op"] == "delete":
                words.append(f"menghapus {part['chars']} karakter di {where}")
            else:
                words.append(f"mengubah {part['field']}")
        return "; ".join(words) or "tidak ada perubahan yang terlihat"

    def as_json(self) -> dict[str, Any]:
        return {
            name: {"inserted": "".join(c.inserted), "deleted": c.deleted, "fields": c.fields}
            for name, c in self.sections.items()
        }


def layout(doc: Doc[Any]) -> dict[str, Any]:
    roots: dict[str, Any] = {
        TITLE: doc.get(TITLE, type=Text), META: doc.get(META, type=Map),
        MILESTONES: doc.get(MILESTONES, type=Array), CONTACTS: doc.get(CONTACTS, type=Map),
    }
    roots.update({name: doc.get(name, type=XmlFragment) for name in SECTIONS})
    return roots


class ChangeRecorder:
    """Collects what each transaction on ``doc`` changed, section by section."""

    def __init__(self, doc: Doc[Any]) -> None:
        self.current = EventChanges()
        self._subscriptions = [
            (root, root.observe_deep(self._observer(name))) for name, root in layout(doc).items()
        ]

    def take(self) -> EventChanges:
        changes, self.current = self.current, EventChanges()
        return changes

    def close(self) -> None:
        for root, subscription in self._subscriptions:
            root.unobserve(subscription)

    def _observer(self, name: str) -> Callable[[list[Any]], None]:
        def on_events(events: list[Any]) -> None:
            for event in events:
                self._record(name, event)

        return on_events

    def _record(self, name: str, event: Any) -> None:
        change = self.current.section(name)
        target = event.target
        if isinstance(target, Map):
            path = list(event.path)
            if name == MILESTONES and path and isinstance(path[0], int):
                path[0] += 1  # milestones are numbered from 1 wherever people read them
            prefix = ".".join(str(p) for p in (name, *path))
            change.fields.extend(f"{prefix}.{key}" for key in event.keys)
            return
        for op in event.delta:
            if "insert" in op:
                value = op["insert"]
                if isinstance(value, str):
                    change.inserted.append(value)
                elif isinstance(value, list):
                    change.inserted.extend(_plain(v) for v in value)
            elif "delete" in op:
                change.deleted += int(op["delete"])


def _plain(node: Any) -> str:
    if isinstance(node, XmlText | Text):
        return str(node) if isinstance(node, Text) else "".join(
            c for c, _ in node.diff() if isinstance(c, str)
        )
    if isinstance(node, XmlElement | XmlFragment):
        return "".join(_plain(child) for child in node.children)
    if isinstance(node, Map):
        return " ".join(str(v) for v in (node.to_py() or {}).values() if isinstance(v, str))
    return node if isinstance(node, str) else ""
