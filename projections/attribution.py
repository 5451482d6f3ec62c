"""Blame: who wrote each character of a document state, from item ids, not from text diffs.

Every Yjs item id (client, clock) has a known author (``DocumentState.bindings``). To learn
where one author's characters sit in the text, take a copy of the state and apply an update
that deletes exactly that author's items (leaving the items that hold paragraphs and maps, so
other people's text inside them stays): the change events pycrdt reports for that one
transaction give the exact positions removed. That is one state load and one transaction per
author, so it is exact for concurrent edits in one paragraph and costs about as much as
loading the document a few times, whatever the length of its history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pycrdt
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

import ycodec
from commitment.template import CONTACTS, META, MILESTONES, SECTIONS, TITLE
from events.record import Actor

from .documents import actor_to_json

OBJECT_CHAR = "\ufffc"  # stands for an embedded object in a text

Path = tuple[int | str, ...]


@dataclass(slots=True)
class TextBlame:
    """One text node: its characters and, for each, the person id of its author."""

    chars: list[str]
    authors: list[str | None]


ACCEPTED = "\x1f"
"""Joins a person id and a suggestion id in the author key of words that person suggested and
someone accepted (``accepted_key``): their runs stand apart, with who accepted them and when."""


def accepted_key(person_id: str, suggestion_id: str) -> str:
    return f"{person_id}{ACCEPTED}{suggestion_id}"


@dataclass(slots=True)
class Blame:
    texts: dict[tuple[str, Path], TextBlame]  # (root name, path to the text node)
    fields: dict[str, str | None]  # "meta.number", "milestones.0.activity" -> author key
    people: dict[str, Actor]  # author key (a person id, or ``accepted_key``) -> the author
    # ``accepted_key`` -> {"suggestion_id", "accepted_by", "accepted_at"}
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> list[tuple[str, str | None]]:
        """The section's text as (character, author) pairs, blocks separated by newlines."""
        out: list[tuple[str, str | None]] = []
        nodes = sorted((path, blame) for (root, path), blame in self.texts.items() if root == name)
        for _path, blame in nodes:
            if out:
                out.append(("\n", None))
            out.extend(zip(blame.chars, blame.authors, strict=True))
        return out

    def runs(self, name: str) -> list[dict[str, Any]]:
        return runs_of(self.section(name), self.people, self.accepted)

    def as_json(self) -> dict[str, Any]:
        totals: dict[str, int] = {}
        for blame in self.texts.values():
            for author in blame.authors:
                if author is not None:
                    person = author.split(ACCEPTED)[0]
                    totals[person] = totals.get(person, 0) + 1
        return {
            "title": runs_of(self.section(TITLE), self.people, self.accepted),
            "sections": {name: self.runs(name) for name in SECTIONS},
            "fields": {
                key: person_json(author, self.people, self.accepted)
                for key, author in sorted(self.fields.items())
            },
            "accepted": list(self.accepted.values()),
            "authors": [
                {**actor_to_json(self.people[p]), "chars": n}
                for p, n in sorted(totals.items(), key=lambda kv: -kv[1]) if p in self.people
            ],
        }


def runs_of(
    pairs: Iterable[tuple[str, str | None]], people: dict[str, Actor],
    accepted: Mapping[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    current: str | None = None
    text: list[str] = []
    started = False
    for char, author in pairs:
        if started and author != current:
            runs.append({"text": "".join(text),
                         "author": person_json(current, people, accepted)})
            text = []
        current, started = author, True
        text.append(char)
    if started:
        runs.append({"text": "".join(text), "author": person_json(current, people, accepted)})
    return runs


def person_json(person_id: str | None, people: dict[str, Actor],
                accepted: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """An author (a person id or an ``accepted_key``) as JSON; words someone accepted carry
    ``accepted`` (the suggestion, who accepted it and when)."""
    if person_id is None:
        return None
    actor = people.get(person_id)
    found: dict[str, Any] = (actor_to_json(actor) if actor is not None
                             else {"person_id": person_id.split(ACCEPTED)[0]})
    if accepted is not None and person_id in accepted:
        found["accepted"] = accepted[person_id]
    return found


def layout_roots(doc: Doc[Any]) -> dict[str, Any]:
    """The commitment layout's roots that exist in ``doc``, typed."""
    present = set(doc.keys())
    kinds: dict[str, type[Any]] = {TITLE: Text, META: Map, MILESTONES: Array, CONTACTS: Map}
    kinds.update({name: XmlFragment for name in SECTIONS})
    return {name: doc.get(name, type=kind) for name, kind in kinds.items() if name in present}


def attribute(state: bytes, bindings: dict[int, Actor],
              accepted: Mapping[int, dict[str, Any]] | None = None) -> Blame:
    """Blame every character and field of the document ``state`` (a Yjs v1 update).
    ``accepted``: Yjs client ids of accepted suggestions -> {"suggestion_id", "suggester" (an
    Actor), "accepted_by", "accepted_at"}: their words are the suggester's, marked accepted."""
    base: Doc[Any] = Doc()
    base.apply_update(state)
    texts = _texts(layout_roots(base))
    fields: dict[str, str | None] = {}
    people = {actor.person_id: actor for actor in bindings.values()}
    marked: dict[str, dict[str, Any]] = {}
    vector = ycodec.decode_state_vector(pycrdt.get_state(state))
    structural = ycodec.type_item_ids(state)
    by_person: dict[str, ycodec.Ranges] = {}
    for client, clock in vector.items():
        actor = bindings.get(client)
        key = actor.person_id if actor is not None else None
        acceptance = (accepted or {}).get(client)
        if acceptance is not None:
            actor = acceptance["suggester"]
            key = accepted_key(actor.person_id, acceptance["suggestion_id"])
            people[key] = actor
            marked[key] = {k: v for k, v in acceptance.items() if k != "suggester"}
        if actor is not None and key is not None and clock > 0:
            by_person.setdefault(key, {})[client] = [(0, clock)]
    for person_id, ranges in by_person.items():
        _mark(state, ycodec.subtract(ranges, structural), person_id, texts, fields)
    return Blame(texts, fields, people, marked)


def _texts(roots: dict[str, Any]) -> dict[tuple[str, Path], TextBlame]:
    found: dict[tuple[str, Path], TextBlame] = {}

    def walk(root: str, node: Any, path: Path) -> None:
        if isinstance(node, Text | XmlText):
            chars: list[str] = []
            for chunk, _attrs in node.diff():
                chars.extend(chunk if isinstance(chunk, str) else OBJECT_CHAR)
            found[(root, path)] = TextBlame(chars, [None] * len(chars))
        elif isinstance(node, XmlFragment | XmlElement):
            for index, child in enumerate(node.children):
                walk(root, child, (*path, index))

    for name, root in roots.items():
        walk(name, root, ())
    return found


def _mark(
    state: bytes, ranges: ycodec.Ranges, person_id: str,
    texts: dict[tuple[str, Path], TextBlame], fields: dict[str, str | None],
) -> None:
    scratch: Doc[Any] = Doc()
    scratch.apply_update(state)
    subscriptions = []
    for name, root in layout_roots(scratch).items():
        subscriptions.append((root, root.observe_deep(_reader(name, person_id, texts, fields))))
    scratch.apply_update(ycodec.delete_only_update(ranges))
    for root, subscription in subscriptions:
        root.unobserve(subscription)


def _reader(
    root: str, person_id: str, texts: dict[tuple[str, Path], TextBlame],
    fields: dict[str, str | None],
) -> Callable[[list[Any]], None]:
    # A closure with exactly one parameter: pycrdt passes as many arguments as it declares.
    def on_events(events: list[Any]) -> None:
        for event in events:
            _read_event(root, event, person_id, texts, fields)

    return on_events


def _read_event(
    root: str, event: Any, person_id: str,
    texts: dict[tuple[str, Path], TextBlame], fields: dict[str, str | None],
) -> None:
    path: Path = tuple(event.path)
    target = event.target
    if isinstance(target, Text | XmlText):
        blame = texts.get((root, path))
        if blame is None:
            return
        index = 0
        for op in event.delta:
            if "retain" in op:
                index += op["retain"]
            elif "delete" in op:
                for i in range(index, min(index + op["delete"], len(blame.authors))):
                    blame.authors[i] = person_id
                index += op["delete"]
    elif isinstance(target, Map):
        prefix = ".".join(str(p) for p in (root, *path))
        for key in event.keys:
            fields[f"{prefix}.{key}"] = person_id
