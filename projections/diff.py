"""Word-level, section-by-section comparison of two blamed versions of a commitment.

Each change names the people who wrote the added words (from the later version's blame),
who had written the removed words (from the earlier version's blame), and who deleted them
(the deletions of those authors' text recorded between the two positions).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from .attribution import Blame, person_json

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")

Pairs = list[tuple[str, str | None]]


def _tokens(pairs: Pairs) -> list[tuple[str, int, int]]:
    text = "".join(c for c, _ in pairs)
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def _authors(pairs: Pairs, start: int, end: int) -> list[str]:
    seen: dict[str, None] = {}
    for _, author in pairs[start:end]:
        if author is not None:
            seen.setdefault(author)
    return list(seen)


def compare_section(
    before: Pairs, after: Pairs, people: dict[str, Any],
    deleters: dict[str, set[str]],
) -> list[dict[str, Any]]:
    """``deleters``: author person id -> people who deleted some of that author's text."""
    old, new = _tokens(before), _tokens(after)
    matcher = SequenceMatcher(None, [t for t, _, _ in old], [t for t, _, _ in new],
                              autojunk=False)
    changes: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed_span = (old[i1][1], old[i2 - 1][2]) if i2 > i1 else (0, 0)
        added_span = (new[j1][1], new[j2 - 1][2]) if j2 > j1 else (0, 0)
        removed = "".join(c for c, _ in before[removed_span[0]:removed_span[1]])
        added = "".join(c for c, _ in after[added_span[0]:added_span[1]])
        if not removed.strip() and not added.strip():
            continue  # whitespace only
        writers = _authors(before, *removed_span)
        by_deletion = sorted({d for w in writers for d in deleters.get(w, ())})
        changes.append({
            "op": op,
            "removed": removed,
            "added": added,
            "added_by": [person_json(p, people) for p in _authors(after, *added_span)],
            "removed_text_by": [person_json(p, people) for p in writers],
            "removed_by": [person_json(p, people) for p in by_deletion],
        })
    return changes


def compare(
    before: Blame, after: Blame, sections: list[str], deleters: dict[str, set[str]]
) -> dict[str, list[dict[str, Any]]]:
    people = {**before.people, **after.people}
    return {
        name: compare_section(before.section(name), after.section(name), people, deleters)
        for name in sections
    }
