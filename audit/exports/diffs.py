"""What changed in each commitment from one stage snapshot to the next, and which
organisations made the edits in between: the IRM's "stage versions with diffs and authorship".

Field by field (title, each meta key, sections A-G line by line, milestones, contacts), as a
unified diff; authorship counts the document edits of each organisation between the two
snapshots. (Who wrote each character is the projections' attribution; this is the summary.)
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from process.template import SECTIONS, CommitmentContent

from .labels import Labels
from .plan import DOC_PREFIX, CommitmentView, PlanView


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    diff: list[str]  # unified diff lines, without the file headers


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


def diff_commitment(
    before: CommitmentView | None, after: CommitmentView, labels: Labels
) -> list[FieldChange]:
    old = _fields(before.content if before else None, labels)
    new = _fields(after.content, labels)
    changes = []
    for name in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(name, []), new.get(name, [])
        if a == b:
            continue
        diff = list(difflib.unified_diff(a, b, lineterm="", n=1))[2:]
        changes.append(FieldChange(name, diff))
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
    return "\n".join(lines).rstrip() + "\n"
