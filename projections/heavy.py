"""The CPU half of the heavy reads, run in a worker (``projections.workers``).

Each function takes what the event loop read (a ``Replay``: a stored state and the log's
events after it; snapshot states; who deleted whose text) and returns JSON-ready data. They are
module-level functions of plain data so that a worker process can run them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from commitment.template import SECTIONS, TITLE, read_commitment
from events.catalog import CRDT_UPDATE
from events.record import Actor, RecordedEvent, format_timestamp

from .attribution import Blame, attribute
from .diff import compare
from .replay import Replay
from .summary import ChangeRecorder, EventChanges

SECTION_ROW = ("section", "person_id", "person_name", "org_id", "org_name", "stakeholder",
               "stage", "session_id")


Accepted = Mapping[int, dict[str, Any]]  # ``negotiation.accepted_clients``

def content(replay: Replay) -> dict[str, Any]:
    current = replay.build()
    return {
        "document_id": replay.document_id, "position": current.position,
        "stream_version": current.version,
        "content": read_commitment(current.doc).as_json(),
    }


def blame(replay: Replay, state: bytes | None = None,
          accepted: Accepted | None = None) -> tuple[Blame, int]:
    """Who wrote what in the document ``replay`` rebuilds, or in ``state`` (a stage snapshot's
    stored state) with the bindings the replay knows; and the position it stands for.
    ``accepted``: the client ids of accepted suggestions, whose words are the suggester's."""
    current = replay.build()
    return attribute(state if state is not None else current.state(), current.bindings,
                     accepted), current.position


def attribution(replay: Replay, accepted: Accepted | None = None) -> dict[str, Any]:
    found, at = blame(replay, None, accepted)
    return {"position": at, **found.as_json()}


def comparison(
    before: Replay, before_state: bytes | None, after: Replay, after_state: bytes | None,
    deleters: dict[str, set[str]], deleting: list[Actor],
    accepted_before: Accepted | None = None, accepted_after: Accepted | None = None,
) -> dict[str, Any]:
    """The word diff of every section between two versions; ``deleting``: the people who
    deleted text in between, so that they can be named."""
    older, _ = blame(before, before_state, accepted_before)
    newer, _ = blame(after, after_state, accepted_after)
    for person in deleting:
        newer.people.setdefault(person.person_id, person)
    return compare(older, newer, [TITLE, *SECTIONS], deleters)


def _replayed(replay: Replay, events: list[RecordedEvent]) -> Iterator[
        tuple[RecordedEvent, EventChanges]]:
    """Each of ``events`` applied after the replay's state, with what it changed."""
    current = replay.build()
    recorder = ChangeRecorder(current.doc)
    try:
        for event in events:
            if event.type == CRDT_UPDATE:
                current.doc.apply_update(event.payload)
            yield event, recorder.take()
    finally:
        recorder.close()


def event_changes(
    replay: Replay, events: list[RecordedEvent], wanted: set[int],
) -> dict[int, EventChanges]:
    """What each event at a ``wanted`` position changed, section by section (for history)."""
    return {event.position: changes for event, changes in _replayed(replay, events)
            if event.position in wanted}


def section_totals(
    replay: Replay, events: list[RecordedEvent], wanted: dict[str, str],
) -> list[dict[str, Any]]:
    """Per section, person, stage and session: characters inserted and deleted, edits, first
    and last contribution, over the events whose facts match ``wanted``."""
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for event, changes in _replayed(replay, events):
        actor, context = event.actor, event.context
        facts = {
            "person_id": actor.person_id, "person_name": actor.name, "org_id": actor.org_id,
            "org_name": actor.org_name, "stakeholder": str(actor.stakeholder),
            "stage": context.stage or "", "session_id": context.session_id or "",
            "plan_id": context.plan_id or "",
        }
        if any(facts.get(column) != value for column, value in wanted.items()):
            continue
        at = format_timestamp(event.recorded_at)
        for section, change in changes.sections.items():
            inserted = sum(len(t) for t in change.inserted) + len(change.fields)
            if not inserted and not change.deleted:
                continue
            key = (section, *(facts[c] for c in SECTION_ROW[1:]))
            row = totals.get(key)
            if row is None:
                row = totals[key] = {**dict(zip(SECTION_ROW, key, strict=True)),
                                     "inserted": 0, "deleted": 0, "edits": 0,
                                     "first_at": at, "last_at": at}
            row["inserted"] += inserted
            row["deleted"] += change.deleted
            row["edits"] += 1
            row["last_at"] = at
    return [totals[key] for key in sorted(totals)]
