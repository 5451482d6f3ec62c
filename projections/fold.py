"""Every projection as one fold over the log: ``fold.apply(event)`` for each event in order,
then ``fold.drain()`` for the rows to store with the new checkpoint.

No I/O here: the runner reads events and writes the drained ``Changes`` in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events.catalog import CRDT_UPDATE
from events.record import Actor, Context, RecordedEvent, format_timestamp

from . import documents
from .documents import DocumentState, Edit, actor_to_json, document_id_of

STAGE_ADVANCED = "plan.stage_advanced"
COMMITMENT_CREATED = "commitment.created"

ContributionKey = tuple[str, str, str, str, str]  # document, stage, session, person, org
# person_id, person_name, org_id, org_name, stakeholder, plan_id, stage, session_id
WhoColumns = tuple[Any, ...]
# (actor, context, document id, their doc_who id, their contribution key)
_Who = tuple[Actor | None, Context | None, str, int, ContributionKey]


@dataclass(slots=True)
class Contribution:
    plan_id: str
    person_name: str
    org_name: str
    stakeholder: str
    inserted: int = 0
    deleted: int = 0
    edits: int = 0
    first_at: str = ""
    last_at: str = ""
    first_position: int = 0
    last_position: int = 0


@dataclass(slots=True)
class Changes:
    """Rows produced since the last drain, in the shape of the tables of ``storage``."""

    doc_states: list[tuple[Any, ...]] = field(default_factory=list)
    checkpoints: list[tuple[Any, ...]] = field(default_factory=list)
    whos: list[tuple[Any, ...]] = field(default_factory=list)
    doc_events: list[tuple[Any, ...]] = field(default_factory=list)
    deletions: list[tuple[Any, ...]] = field(default_factory=list)
    snapshots: list[tuple[Any, ...]] = field(default_factory=list)
    contributions: dict[ContributionKey, Contribution] = field(default_factory=dict)
    position: int = 0


def contribution_row(key: ContributionKey, c: Contribution) -> tuple[Any, ...]:
    document_id, stage, session, person_id, org_id = key
    return (
        document_id, c.plan_id, stage, session, person_id, c.person_name, org_id, c.org_name,
        c.stakeholder, c.inserted, c.deleted, c.edits, c.first_at, c.last_at,
        c.first_position, c.last_position,
    )


def _timestamp(moment: datetime) -> str:
    """``events.record.format_timestamp``, a few times faster for the usual UTC values."""
    if moment.tzinfo is UTC:
        return moment.isoformat(timespec="microseconds")[:-6] + "Z"
    return format_timestamp(moment)


class ProjectionFold:
    def __init__(
        self, documents: dict[str, DocumentState] | None = None,
        whos: dict[WhoColumns, int] | None = None,
    ) -> None:
        self.documents: dict[str, DocumentState] = documents or {}
        # History rows name who and where by a number: one doc_who row per distinct
        # (person, organisation, stakeholder, plan, stage, session), not 8 columns per event.
        self.whos: dict[WhoColumns, int] = whos or {}
        self._changes = Changes()
        self._dirty: set[str] = set()
        # Per-event work that repeats: the log hands out one datetime per commit, shared by
        # the events of that commit, and a document's stream id is the same string each time.
        self._last_moment: datetime | None = None
        self._last_at = ""
        self._stream_documents: dict[str, str | None] = {}
        self._last_who: _Who = (None, None, "", 0, ("", "", "", "", ""))

    def _at(self, moment: datetime) -> str:
        if moment is not self._last_moment:
            self._last_moment, self._last_at = moment, _timestamp(moment)
        return self._last_at

    def document(self, document_id: str) -> DocumentState:
        state = self.documents.get(document_id)
        if state is None:
            state = self.documents[document_id] = DocumentState(document_id)
        return state

    def apply(self, event: RecordedEvent) -> None:
        self._changes.position = event.position
        if event.type == CRDT_UPDATE:
            stream_id = event.stream_id
            try:
                document_id = self._stream_documents[stream_id]
            except KeyError:
                document_id = self._stream_documents[stream_id] = document_id_of(stream_id)
            if document_id is not None:
                self._apply_edit(self.document(document_id).apply(event))
        elif event.type == COMMITMENT_CREATED:
            payload = event.json_payload()
            if isinstance(payload, dict) and payload.get("document_id"):
                state = self.document(str(payload["document_id"]))
                state.plan_id = str(payload.get("plan_id") or state.plan_id or "") or None
                self._dirty.add(state.document_id)
        elif event.type == STAGE_ADVANCED:
            self._snapshot(event)

    def _who(self, document_id: str, actor: Actor, context: Context) -> _Who:
        # Consecutive events share their actor and context objects (the log decodes each
        # once per read): their columns and contribution key are built once per run.
        last = self._last_who
        if last[0] is actor and last[1] is context and last[2] == document_id:
            return last
        columns = (actor.person_id, actor.name, actor.org_id, actor.org_name,
                   actor.stakeholder.value, context.plan_id, context.stage, context.session_id)
        number = self.whos.get(columns)
        if number is None:
            number = self.whos[columns] = len(self.whos) + 1
            self._changes.whos.append((number, *columns))
        who = self._last_who = (
            actor, context, document_id, number,
            (document_id, context.stage or "", context.session_id or "", actor.person_id,
             actor.org_id),
        )
        return who

    def _apply_edit(self, edit: Edit) -> None:
        event, changes = edit.event, self._changes
        actor, context = event.actor, event.context
        at = self._at(event.recorded_at)
        deleted = sum(edit.deleted.values()) if edit.deleted else 0
        _, _, _, who, key = self._who(edit.document_id, actor, context)
        changes.doc_events.append((
            event.position, edit.document_id, event.stream_version, who, at, edit.inserted,
            deleted,
        ))
        for author, chars in edit.deleted.items():
            changes.deletions.append(
                (event.position, edit.document_id, actor.person_id, author, chars)
            )
        row = changes.contributions.get(key)
        if row is None:
            row = changes.contributions[key] = Contribution(
                context.plan_id or "", actor.name, actor.org_name, actor.stakeholder.value,
                first_at=at, first_position=event.position,
            )
        row.inserted += edit.inserted
        row.deleted += deleted
        row.edits += 1
        row.last_at = at
        row.last_position = event.position
        self._dirty.add(edit.document_id)
        state = self.documents[edit.document_id]
        if (state.version - state.checkpoint_version >= documents.CHECKPOINT_EVERY
                or state.checkpoint_bytes >= documents.CHECKPOINT_BYTES):
            changes.checkpoints.append(
                (edit.document_id, state.version, state.position, state.encode_state())
            )
            state.checkpoint_version = state.version
            state.checkpoint_bytes = 0

    def _snapshot(self, event: RecordedEvent) -> None:
        payload = event.json_payload()
        if not isinstance(payload, dict):
            return
        plan_id = payload.get("plan_id")
        label = str(payload.get("from") or event.context.stage or "")
        if not plan_id or not label:
            return
        at = _timestamp(event.recorded_at)
        for state in self.documents.values():
            if state.plan_id == plan_id:
                self._changes.snapshots.append((
                    state.document_id, label, payload.get("to"), plan_id, event.position,
                    state.version, at, state.encode_state(),
                ))

    def drain(self) -> Changes:
        """The rows to store now; the fold starts collecting afresh."""
        changes = self._changes
        for document_id in sorted(self._dirty):
            state = self.documents[document_id]
            bindings = {str(c): actor_to_json(a) for c, a in state.bindings.items()}
            changes.doc_states.append((
                document_id, state.plan_id, state.version, state.position,
                state.checkpoint_version, state.checkpoint_bytes, state.encode_state(),
                json.dumps(bindings, sort_keys=True),
            ))
        self._dirty.clear()
        self._changes = Changes(position=changes.position)
        return changes
