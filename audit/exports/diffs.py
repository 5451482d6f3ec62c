"""What changed in each commitment from one stage snapshot to the next, and who wrote it:
the IRM's "stage versions with diffs and authorship".

Field by field (title, each meta key, sections A-G line by line, milestones, contacts), as a
unified diff. For the title and each section, the characters added and removed are counted
by author: added text from the blame of the newer version, removed text from the blame of
the older one (``projections.attribution``, exact per character). The two blames are matched
word by word, then character by character inside a changed stretch, as (character, author)
pairs: a word retyped by someone else counts as the first author's removed and the second's
added. The document edits of each organisation between the two snapshots are counted too.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from events.record import Actor
from process.template import SECTIONS, TITLE, CommitmentContent
from projections.attribution import Blame

from .labels import Labels
from .plan import DOC_PREFIX, CommitmentView, PlanView

Pair = tuple[str, str | None]  # a character and its author's person id
Authors = tuple[tuple[Actor, int], ...]  # (author, characters), most characters first

_WORD = re.compile(r"\w+|\s+|.", re.DOTALL)
# Above this many character comparisons a changed stretch is counted whole: a rewritten
# section would otherwise cost seconds to align letter by letter.
_REFINE_LIMIT = 1_000_000


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


def _tokens(pairs: Sequence[Pair]) -> list[tuple[Pair, ...]]:
    """Words, spaces and single marks, each further split where its author changes."""
    out: list[tuple[Pair, ...]] = []
    for match in _WORD.finditer("".join(char for char, _ in pairs)):
        run: list[Pair] = []
        for pair in pairs[match.start():match.end()]:
            if run and pair[1] != run[-1][1]:
                out.append(tuple(run))
                run = []
            run.append(pair)
        out.append(tuple(run))
    return out


def _count(into: Counter[str], pairs: Sequence[Pair]) -> None:
    into.update(author for _, author in pairs if author is not None)


def authorship(old: Sequence[Pair], new: Sequence[Pair]) -> tuple[Counter[str], Counter[str]]:
    """Characters added (by their author in ``new``) and removed (by their author in
    ``old``), per person id. Block breaks carry no author and count for no one."""
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    a, b = _tokens(old), _tokens(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, False).get_opcodes():
        if tag == "equal":
            continue
        gone = [pair for token in a[i1:i2] for pair in token]
        came = [pair for token in b[j1:j2] for pair in token]
        if tag != "replace" or len(gone) * len(came) > _REFINE_LIMIT:
            _count(removed, gone)
            _count(added, came)
            continue
        # One letter changed in a word: the rest of the word was neither added nor removed.
        matcher = difflib.SequenceMatcher(None, gone, came, False)
        for tag2, k1, k2, l1, l2 in matcher.get_opcodes():
            if tag2 != "equal":
                _count(removed, gone[k1:k2])
                _count(added, came[l1:l2])
    return added, removed


def _authors(counts: Counter[str], blame: Blame | None) -> Authors:
    if blame is None:  # nothing before: nothing removed
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
    blames: tuple[Blame | None, Blame] | None = None
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
        if blames is None:  # each blame loads the document once per author: only if needed
            blames = (before.blame() if before else None, after.blame())
        older, newer = blames
        added, removed = authorship(older.section(root) if older else [], newer.section(root))
        changes.append(FieldChange(name, diff, _authors(added, newer),
                                   _authors(removed, older)))
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
