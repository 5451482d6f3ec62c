"""What changed in each commitment from one stage snapshot to the next, and who wrote it:
the IRM's "stage versions with diffs and authorship".

Field by field (title, each meta key, sections A-G line by line, milestones, contacts), as a
unified diff. For the title and each section, the characters added and removed are counted
by author: added text by its author in the blame of the newer version, removed text by its
author in the blame of the older one (``projections.attribution``, exact per character).
Which characters were added and removed is read from the Yjs item ids, not guessed from the
texts, so a word retyped over someone else's counts as theirs removed and the typist's added.
The document edits of each organisation between the two snapshots are counted too.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pycrdt
from pycrdt import Doc, Text, XmlText

import ycodec
from commitment.template import SECTIONS, TITLE, CommitmentContent
from events.record import Actor
from projections.attribution import Blame, Path, layout_roots

from .labels import Labels
from .plan import DOC_PREFIX, CommitmentView, PlanView

Authors = tuple[tuple[Actor, int], ...]  # (author, characters), most characters first
TextKey = tuple[str, Path]  # a text node: its root's name, its path inside the root


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    diff: list[str]  # unified diff lines, without the file headers
    added_by: Authors = ()  # who wrote the text this change added
    removed_from: Authors = ()  # who had written the text it removed


@dataclass(frozen=True, slots=True)
class CommitmentDiff:
    ogp_id: str
    title: str
    changes: list[FieldChange]
    edits_by_organisation: list[tuple[str, int]]  # most edits first


def _lines(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split("\n")


def _milestone_lines(content: CommitmentContent) -> list[str]:
    out = []
    for n, m in enumerate(content.milestones, start=1):
        parts = [m.get("activity"), m.get("deliverable"),
                 f"{m.get('start') or '?'} \u2013 {m.get('end') or '?'}", m.get("output"),
                 m.get("actors")]
        out.append(f"{n}. " + " | ".join(str(p) for p in parts if p))
    return out


def _fields(content: CommitmentContent | None, labels: Labels) -> dict[str, list[str]]:
    if content is None:
        return {}
    fields = {"title": _lines(content.title)}
    for key in sorted(content.meta):
        fields[f"meta.{key}"] = _lines(content.meta[key])
    for name in SECTIONS:
        fields[labels.section(name)] = _lines(content.sections[name].text)
    fields[labels["milestones"]] = _milestone_lines(content)
    for key in sorted(content.contacts):
        fields[f"{labels['contact']}: {key}"] = _lines(content.contacts[key])
    return fields


def _collector(root: str, found: dict[TextKey, list[int]]) -> Callable[[list[Any]], None]:
    # A closure with exactly one parameter: pycrdt passes as many arguments as it declares.
    def on_events(events: list[Any]) -> None:
        for event in events:
            if not isinstance(event.target, Text | XmlText):
                continue
            spots = found.setdefault((root, tuple(event.path)), [])
            index = 0
            for op in event.delta:
                if "retain" in op:
                    index += op["retain"]
                elif "delete" in op:
                    spots.extend(range(index, index + op["delete"]))
                    index += op["delete"]

    return on_events


def _positions(state: bytes, ranges: ycodec.Ranges) -> dict[TextKey, list[int]]:
    """Where the items ``ranges`` sit in the text nodes of ``state``: the positions that a
    transaction deleting exactly them reports (as ``projections.attribution`` finds each
    author's). Paragraphs and list items are spared, so the text inside them is reported."""
    ranges = ycodec.subtract(ranges, ycodec.type_item_ids(state))
    scratch: Doc[Any] = Doc()
    scratch.apply_update(state)
    found: dict[TextKey, list[int]] = {}
    watched = [(root, root.observe_deep(_collector(name, found)))
               for name, root in layout_roots(scratch).items()]
    scratch.apply_update(ycodec.delete_only_update(ranges))
    for root, subscription in watched:
        root.unobserve(subscription)
    return found


def _deleted(state: bytes) -> ycodec.Ranges:
    """Every item ``state`` holds as deleted."""
    sets: list[bytes] = []
    doc: Doc[Any] = Doc()
    subscription = doc.observe(lambda event: sets.append(event.delete_set))
    doc.apply_update(state)
    doc.unobserve(subscription)
    ranges: ycodec.Ranges = {}
    for raw in sets:
        for client, spans in ycodec.decode_delete_set(raw).items():
            ranges.setdefault(client, []).extend(spans)
    return ranges


def _within(ranges: ycodec.Ranges, vector: dict[int, int]) -> ycodec.Ranges:
    """The part of ``ranges`` that a document with state vector ``vector`` holds."""
    out: ycodec.Ranges = {}
    for client, spans in ranges.items():
        end = vector.get(client, 0)
        kept = [(clock, min(length, end - clock)) for clock, length in spans if clock < end]
        if kept:
            out[client] = kept
    return out


def _vector(state: bytes) -> dict[int, int]:
    return ycodec.decode_state_vector(pycrdt.get_state(state))


def _count(blame: Blame, positions: dict[TextKey, list[int]]) -> dict[str, Counter[str]]:
    """Characters at ``positions`` per root, by author."""
    counts: dict[str, Counter[str]] = {}
    for key, spots in positions.items():
        text = blame.texts.get(key)
        if text is None:
            continue
        authors = (text.authors[i] for i in spots if i < len(text.authors))
        counts.setdefault(key[0], Counter()).update(a for a in authors if a is not None)
    return counts


@dataclass(frozen=True, slots=True)
class Authorship:
    added: dict[str, Counter[str]]  # root -> person id -> characters
    removed: dict[str, Counter[str]]
    newer: Blame
    older: Blame | None


def authorship(before: CommitmentView | None, after: CommitmentView) -> Authorship:
    """The characters ``after`` added and removed since ``before``, by author, exactly: by
    item id, not by comparing texts. ``before`` is an earlier stretch of the same log, so
    added text is the items past its state vector, removed text the items it held that
    ``after`` deletes."""
    newer = after.blame()
    old_vector = _vector(before.state) if before else {}
    added_ids = ycodec.ranges_between(old_vector, _vector(after.state))
    added = _count(newer, _positions(after.state, added_ids))
    if before is None:
        return Authorship(added, {}, newer, None)
    older = before.blame()
    removed_ids = _within(_deleted(after.state), old_vector)
    removed = _count(older, _positions(before.state, removed_ids))
    return Authorship(added, removed, newer, older)


def _authors(counts: Counter[str] | None, blame: Blame | None) -> Authors:
    if not counts or blame is None:
        return ()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    # Every author in a blame is one of its bindings' actors, so ``people`` knows them all.
    return tuple((blame.people[person], n) for person, n in ranked)


def diff_commitment(
    before: CommitmentView | None, after: CommitmentView, labels: Labels
) -> list[FieldChange]:
    old = _fields(before.content if before else None, labels)
    new = _fields(after.content, labels)
    roots = {"title": TITLE, **{labels.section(name): name for name in SECTIONS}}
    found: Authorship | None = None
    changes = []
    for name in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(name, []), new.get(name, [])
        if a == b:
            continue
        diff = list(difflib.unified_diff(a, b, lineterm="", n=1))[2:]
        root = roots.get(name)
        if root is None:
            changes.append(FieldChange(name, diff))
            continue
        if found is None:  # each blame loads the document once per author: only if needed
            found = authorship(before, after)
        changes.append(FieldChange(name, diff, _authors(found.added.get(root), found.newer),
                                   _authors(found.removed.get(root), found.older)))
    return changes


def diff_views(before: PlanView | None, after: PlanView, labels: Labels) -> list[CommitmentDiff]:
    """Each commitment of ``after`` that changed since ``before`` (or since nothing)."""
    since = before.position if before else 0
    edits: dict[str, Counter[str]] = {}
    for event in after.events:
        if event.position > since and event.stream_id.startswith(DOC_PREFIX):
            document = event.stream_id[len(DOC_PREFIX):]
            edits.setdefault(document, Counter())[event.actor.org_name] += 1
    earlier = {c.commitment.id: c for c in before.commitments} if before else {}
    out = []
    for item in after.commitments:
        changes = diff_commitment(earlier.get(item.commitment.id), item, labels)
        if not changes:
            continue
        counts = edits.get(item.commitment.document_id, Counter())
        out.append(CommitmentDiff(item.ogp_id, item.content.title or item.commitment.title,
                                  changes, counts.most_common()))
    return out


def render_markdown(
    before: PlanView | None, after: PlanView, diffs: list[CommitmentDiff], labels: Labels
) -> str:
    start = labels.stage(before.stage) if before else "\u2014"
    end = labels.stage(after.stage)
    state = labels["snapshot"] if after.snapshot else labels["current"]
    lines = [f"# {after.plan.title}: {start} \u2192 {end}", "",
             f"Log positions {before.position + 1 if before else 1}..{after.position} "
             f"({state}).", ""]
    if not diffs:
        lines.append("No commitment changed. / Tidak ada komitmen yang berubah.")
    for item in diffs:
        lines += [f"## {item.ogp_id} {item.title}", ""]
        if item.edits_by_organisation:
            authors = ", ".join(f"{org} ({n})" for org, n in item.edits_by_organisation)
            lines += [f"Edits by organisation / Suntingan per organisasi: {authors}", ""]
        for change in item.changes:
            lines += [f"### {change.field}", "", "```diff", *change.diff, "```", ""]
            if change.added_by:
                lines += [f"Added text by / Teks ditambahkan oleh: {_people(change.added_by)}",
                          ""]
            if change.removed_from:
                lines += ["Removed text written by / Teks yang dihapus ditulis oleh: "
                          f"{_people(change.removed_from)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _people(authors: Authors) -> str:
    """"Budi (Bappenas) 35 characters; Ani (TII) 13"."""
    parts = [f"{actor.name} ({actor.org_name}) {n}" for actor, n in authors]
    parts[0] += " characters"
    return "; ".join(parts)
