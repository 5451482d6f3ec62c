"""The text an auditor reads after ``kokreasi audit verify``."""

from __future__ import annotations

import json
from pathlib import Path

from .replay import Replayed
from .summary import NO_STAGE
from .verify import Verified

STAGE_ORDER = ["setup", "draft1", "draft2", "draft3", "draft4", "final", "implementation",
               NO_STAGE]


def render(result: Verified) -> str:
    s = result.summary
    out = [
        f"OK: audit bundle of plan {result.plan} verifies.",
        f"Log positions 1..{result.tree_size}: {result.full} events given in full, "
        f"{result.withheld} of other plans withheld (hash only); the chain links throughout.",
    ]
    out += _coverage(result)
    keys = ", ".join(result.key_ids) or "none"
    if result.keys_from_bundle:
        out.append(
            f"WARNING: signatures were checked against the keys in the bundle itself ({keys}); "
            "compare these key ids with the ones the Secretariat publishes, or pass --keys."
        )
    else:
        out.append(f"Signatures were checked against the trusted keys given ({keys}).")
    if result.consistency is not None:
        old, newer = result.consistency
        out.append(
            f"Consistency: the log the server signed at size {newer.tree_size} "
            f"({newer.time:%Y-%m-%d %H:%M} UTC) extends this bundle's first {old} positions."
        )
    out.append("")
    out.append(
        f"Documents rebuilt from their CRDT updates: {len(result.replay.documents)}"
    )
    for replayed in sorted(result.replay.documents.values(), key=lambda r: r.stream_id):
        out.append(f"  {replayed.document_id}: {_describe(replayed)}")
    out.append("")
    out.append(f"People: {len(s.people)}; organisations: {len(s.organisations)}")
    for org_id, (name, stakeholder) in sorted(s.organisations.items(), key=lambda i: i[1]):
        members = sum(1 for p in s.people.values() if p[1] == name)
        out.append(f"  {name} [{stakeholder}] ({org_id}): {members} people")
    out.append("")
    out.append("Contributions per stage (events by organisation):")
    stages = sorted(s.by_stage, key=lambda k: (STAGE_ORDER.index(k) if k in STAGE_ORDER else 99, k))
    for stage in stages:
        counts = s.by_stage[stage]
        detail = ", ".join(f"{org} {n}" for org, n in counts.most_common())
        out.append(f"  {stage}: {sum(counts.values())} ({detail})")
    return "\n".join(out) + "\n"


def _coverage(result: Verified) -> list[str]:
    """What the signatures cover, and exactly which tail only the export's signature does."""
    out = []
    if result.header_key is not None and result.at_export is not None:
        signed = result.at_export
        out.append(
            f"The header (plan, streams given in full and their event counts, size, head) is "
            f"signed by key {result.header_key}; its checkpoint, signed at export "
            f"({signed.time:%Y-%m-%d %H:%M} UTC), signs positions 1..{signed.tree_size}."
        )
    else:
        out.append("WARNING: the header is not signed: which streams are the plan's is "
                   "nobody's word, and nothing ties the bundle to the server.")
    if not result.checkpoints:
        out.append("No checkpoint recorded in the log is in the bundle.")
        return out
    last = max(result.checkpoints, key=lambda c: c.checkpoint.tree_size)
    newest = last.checkpoint
    out.append(
        f"{len(result.checkpoints)} signed checkpoints recorded in the log verify; the newest "
        f"signs positions 1..{newest.tree_size} (root {newest.root.hex()[:16]}..., "
        f"key {newest.key_label}, {newest.time:%Y-%m-%d %H:%M} UTC)."
    )
    if result.tree_size > last.position:  # the checkpoint's own event is no risk
        covered = ("the checkpoint signed at export only (it is not in the log: a consistency "
                   f"proof from size {result.tree_size} to a later checkpoint shows the server "
                   "kept them)" if result.at_export is not None else "the chain only")
        out.append(f"Positions {last.position + 1}..{result.tree_size} come after the newest "
                   f"checkpoint recorded in the log: they are covered by {covered}.")
    return out


def _describe(replayed: Replayed) -> str:
    from commitment.template import read_commitment

    content = read_commitment(replayed.doc)
    written = sum(1 for section in content.sections.values() if section.text.strip())
    return (
        f"{content.title or '(untitled)'!r}, {written}/{len(content.sections)} sections "
        f"written, {len(content.milestones)} milestones ({replayed.updates} updates)"
    )


def write_documents(result: Verified, directory: Path) -> list[Path]:
    """Each rebuilt document as JSON (title, meta, sections A-G, milestones, contacts)."""
    from commitment.template import read_commitment

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for replayed in result.replay.documents.values():
        path = directory / f"{replayed.document_id}.json"
        content = read_commitment(replayed.doc).as_json()
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
