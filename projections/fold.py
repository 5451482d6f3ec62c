"""Every projection as one fold over the log: ``fold.apply(event)`` for each event in order,
then ``fold.drain()`` for the rows to store with the new checkpoint.

No I/O here: the runner reads events and writes the drained ``Changes`` in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from events.catalog import CRDT_UPDATE
from events.record import Actor, RecordedEvent, Stakeholder
from events.rows import FoldRow, fold_row, time_text, who_values

from . import documents
from .documents import EMPTY_VECTOR, DocumentState, actor_to_json, document_id_of, update_state

STAGE_ADVANCED = "plan.stage_advanced"
COMMITMENT_CREATED = "commitment.created"
REVIEW_PREFIX = "review:"
# The negotiation's events (``process.negotiation``), counted per person like edits.
NEGOTIATION_COUNTS = {"comment.created": "comments", "comment.replied": "comments",
                      "suggestion.created": "suggestions", "suggestion.decided": "decisions"}

ContributionKey = tuple[str, str, str, str, str]  # document, stage, session, person, org
# person_id, person_name, org_id, org_name, stakeholder, plan_id, stage, session_id: a log
# row's ``who`` (``events.rows.WHO_COLUMNS``).
WhoColumns = tuple[Any, ...]


@dataclass(slots=True)
class Contribution:
    plan_id: str
    person_name: str
    org_name: str
    stakeholder: str
    inserted: int = 0
    deleted: int = 0
    edits: int = 0
    first_at: Any = ""  # as the log's rows give it: ``events.rows.time_text`` reads it
    last_at: Any = ""
    first_position: int = 0
    last_position: int = 0
    comments: int = 0  # comments and replies written (``review:{document_id}``)
    suggestions: int = 0  # suggestions made
    decisions: int = 0  # suggestions accepted or rejected


@dataclass(slots=True)
class Changes:
    """Rows produced since the last drain, in the shape of the tables of ``storage``."""

    doc_states: list[tuple[Any, ...]] = field(default_factory=list)
    checkpoints: list[tuple[Any, ...]] = field(default_factory=list)
    whos: list[tuple[Any, ...]] = field(default_factory=list)
    deletions: list[tuple[Any, ...]] = field(default_factory=list)
    snapshots: list[tuple[Any, ...]] = field(default_factory=list)
    contributions: dict[ContributionKey, Contribution] = field(default_factory=dict)
    position: int = 0


def contribution_row(key: ContributionKey, c: Contribution) -> tuple[Any, ...]:
    document_id, stage, session, person_id, org_id = key
    return (
        document_id, c.plan_id, stage, session, person_id, c.person_name, org_id, c.org_name,
        c.stakeholder, c.inserted, c.deleted, c.edits, time_text(c.first_at),
        time_text(c.last_at), c.first_position, c.last_position, c.comments, c.suggestions,
        c.decisions,
    )


@dataclass(slots=True)
class _Run:
    """Events of one document by one person in one stage and session, with nobody else's
    events of that document in between: what they share is looked up once per run, not once
    per keystroke."""

    stream_id: str
    row_who: Any  # as the log's rows give it: equal for equal who columns
    state: DocumentState
    actor: Actor
    who: int  # its doc_who row
    contribution: Contribution
    inserted_before: int  # the document's ``inserted`` when the run started


class ProjectionFold:
    def __init__(
        self, documents: dict[str, DocumentState] | None = None,
        whos: dict[WhoColumns, int] | None = None,
    ) -> None:
        self.documents: dict[str, DocumentState] = documents or {}
        # Deletion rows name who and where by a number: one doc_who row per distinct
        # (person, organisation, stakeholder, plan, stage, session), not 8 columns per event.
        self.whos: dict[WhoColumns, int] = whos or {}
        self._changes = Changes()
        self._dirty: set[str] = set()
        self._stream_documents: dict[str, str | None] = {}
        self._actors: dict[WhoColumns, Actor] = {}
        # The open run of each document's stream: events of several documents interleave
        # when many people type at once, and each document batches its own.
        self._runs: dict[str, _Run] = {}

    def document(self, document_id: str) -> DocumentState:
        state = self.documents.get(document_id)
        if state is None:
            state = self.documents[document_id] = DocumentState(document_id)
        return state

    def apply(self, event: RecordedEvent) -> None:
        self.apply_row(fold_row(event))

    def apply_row(self, row: FoldRow) -> None:
        """Fold one event, as ``EventStore.read_rows`` returns it."""
        self.apply_rows((row,))

    def apply_rows(self, rows: Iterable[FoldRow]) -> None:
        """Fold events in log order, as ``EventStore.read_rows`` returns them. One loop for
        a whole batch: a rebuild runs it once per keystroke ever logged, so what a run of
        events shares stays in local variables."""
        changes = self._changes
        runs = self._runs
        position = changes.position
        due = documents.checkpoint_due
        for row in rows:
            position, stream_id, version, kind, payload, who, at = row
            if kind != CRDT_UPDATE:
                self._apply_domain_event(row)
                continue
            run = runs.get(stream_id)
            if run is None or run.row_who != who:
                try:
                    document_id = self._stream_documents[stream_id]
                except KeyError:
                    document_id = self._stream_documents[stream_id] = document_id_of(stream_id)
                if document_id is None:
                    continue
                if run is not None:
                    self._end_run(run)
                run = self._start_run(self.document(document_id), row)
            state = run.state
            state.version = version
            state.position = position
            state.checkpoint_bytes += len(payload)
            started = update_state(payload)
            if started != EMPTY_VECTOR:
                state.bind(started, run.actor)
            contribution = run.contribution
            if payload[-1] == 0:
                # A v1 update ends with its delete set; an empty one is the single byte 0
                # (a non-empty one ends with a length, never 0). It joins the open batch.
                state._native.apply_update(state._batch or state.batch(), payload)
            else:
                deleted = state.apply_deleting(payload)
                if deleted is not None:
                    for author, chars in deleted.items():
                        changes.deletions.append((state.document_id, position, run.who,
                                                  author, chars))
                        contribution.deleted += chars
            contribution.edits += 1
            contribution.last_at = at
            contribution.last_position = position
            if due(version - state.checkpoint_version, state.checkpoint_bytes,
                   state.checkpoint_size):
                encoded = state.encode_state()
                changes.checkpoints.append((state.document_id, version, position, encoded))
                state.checkpoint_version = version
                state.checkpoint_bytes = 0
                state.checkpoint_size = len(encoded)
        changes.position = position

    def _apply_domain_event(self, row: FoldRow) -> None:
        kind = row[3]
        if kind == COMMITMENT_CREATED:
            payload = json.loads(row[4])
            if isinstance(payload, dict) and payload.get("document_id"):
                state = self.document(str(payload["document_id"]))
                state.plan_id = str(payload.get("plan_id") or state.plan_id or "") or None
                self._dirty.add(state.document_id)
        elif kind == STAGE_ADVANCED:
            self._snapshot(row)
        elif kind in NEGOTIATION_COUNTS and row[1].startswith(REVIEW_PREFIX):
            self._count_negotiation(row, NEGOTIATION_COUNTS[kind])

    def _count_negotiation(self, row: FoldRow, counter: str) -> None:
        document_id = row[1][len(REVIEW_PREFIX):]
        person_id, name, org_id, org_name, stakeholder, plan_id, stage, session_id = (
            who_values(row[5]))
        key = (document_id, stage or "", session_id or "", person_id, org_id)
        contribution = self._changes.contributions.get(key)
        if contribution is None:
            contribution = self._changes.contributions[key] = Contribution(
                plan_id or "", name, org_name, stakeholder, first_at=row[6],
                first_position=row[0])
        setattr(contribution, counter, getattr(contribution, counter) + 1)
        contribution.last_at = row[6]
        contribution.last_position = row[0]

    def _start_run(self, state: DocumentState, row: FoldRow) -> _Run:
        columns: WhoColumns = who_values(row[5])
        person_id, name, org_id, org_name, stakeholder, plan_id, stage, session_id = columns
        actor_key = columns[:5]
        actor = self._actors.get(actor_key)
        if actor is None:
            actor = self._actors[actor_key] = Actor(
                person_id, name, org_id, org_name, Stakeholder(stakeholder)
            )
        number = self.whos.get(columns)
        if number is None:
            number = self.whos[columns] = len(self.whos) + 1
            self._changes.whos.append((number, *columns))
        if state.plan_id is None and plan_id:
            state.plan_id = plan_id
        key = (state.document_id, stage or "", session_id or "", person_id, org_id)
        contribution = self._changes.contributions.get(key)
        if contribution is None:
            contribution = self._changes.contributions[key] = Contribution(
                plan_id or "", name, org_name, stakeholder,
                first_at=row[6], first_position=row[0],
            )
        self._dirty.add(state.document_id)
        run = self._runs[row[1]] = _Run(row[1], row[5], state, actor, number, contribution,
                                        state.inserted)
        return run

    def _end_run(self, run: _Run) -> None:
        """Count what the run inserted: its document's open batch holds only its events."""
        del self._runs[run.stream_id]
        run.state.commit()
        run.contribution.inserted += run.state.inserted - run.inserted_before

    def _snapshot(self, row: FoldRow) -> None:
        payload = json.loads(row[4])
        if not isinstance(payload, dict):
            return
        plan_id = payload.get("plan_id")
        label = str(payload.get("from") or who_values(row[5])[6] or "")
        if not plan_id or not label:
            return
        at = time_text(row[6])
        for state in self.documents.values():
            if state.plan_id == plan_id:
                self._changes.snapshots.append((
                    state.document_id, label, payload.get("to"), plan_id, row[0],
                    state.version, at, state.encode_state(),
                ))

    def close(self) -> None:
        """End every document's open batch (a fold being replaced, say after a failure)."""
        self._runs.clear()
        for state in self.documents.values():
            state.commit()

    def drain(self) -> Changes:
        """The rows to store now; the fold starts collecting afresh."""
        for run in list(self._runs.values()):
            self._end_run(run)  # their contribution rows go with these changes
        changes = self._changes
        for document_id in sorted(self._dirty):
            state = self.documents[document_id]
            bindings = {str(c): actor_to_json(a) for c, a in state.bindings.items()}
            changes.doc_states.append((
                document_id, state.plan_id, state.version, state.position,
                state.checkpoint_version, state.checkpoint_bytes, state.stored_state(),
                json.dumps(bindings, sort_keys=True),
            ))
        self._dirty.clear()
        self._changes = Changes(position=changes.position)
        return changes
