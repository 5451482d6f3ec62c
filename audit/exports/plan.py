"""A plan as an export shows it: its state and commitment documents, now or at a stage's end.

A stage snapshot is the log as it stood just before the stage was advanced ("Draft 2 as
agreed"); the current state is the log up to its head. Either way the export says which log
position it reflects, so anyone can check it against the audit bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pycrdt
from pycrdt import Doc

from commitment.template import CommitmentContent, read_commitment
from events.record import Actor, PayloadFormat, RecordedEvent
from events.store import EventStore
from process.domain import SUGGESTION_CREATED, SUGGESTION_DECIDED, Stage
from process.records import Commitment, Plan
from process.state import ProcessState, fold
from projections.attribution import Blame, attribute
from ycodec import decode_state_vector

from ..checkpoints import CHECKPOINT_TYPE, Checkpoint
from .ids import commitment_id

PAGE = 2000
DOC_PREFIX = "doc:"

Visible = Callable[[ProcessState, Commitment], bool]
Clients = dict[int, tuple[int, ...]]  # log position -> the Yjs clients its update starts


REVIEW_PREFIX = "review:"


def _credit_accepted(event: RecordedEvent, suggesters: dict[str, Actor],
                     bindings: dict[str, dict[int, Actor]]) -> None:
    """An accepted suggestion's words are its suggester's (``process.negotiation``): the Yjs
    client the acceptance wrote with is bound to them, whoever accepted it."""
    if event.type == SUGGESTION_CREATED:
        suggesters[str(event.json_payload()["suggestion_id"])] = event.actor
    elif event.type == SUGGESTION_DECIDED:
        payload = event.json_payload()
        suggester = suggesters.get(str(payload.get("suggestion_id")))
        client = payload.get("client_id")
        if payload.get("decision") == "accept" and suggester is not None and client is not None:
            document_id = event.stream_id[len(REVIEW_PREFIX):]
            bindings.setdefault(document_id, {})[int(client)] = suggester


class ExportError(ValueError):
    """The export asked for cannot be made (unknown plan, a stage not reached, ...)."""


@dataclass(frozen=True, slots=True)
class CommitmentView:
    commitment: Commitment
    ogp_id: str
    content: CommitmentContent
    updates: int  # CRDT updates folded into this view
    state: bytes = b""  # the document's Yjs v1 state in this view
    # Yjs client id -> the actor of the first logged update that carried its clock 0
    bindings: dict[int, Actor] = field(default_factory=dict)

    def blame(self) -> Blame:
        """Who wrote each character of the document as this view has it."""
        return attribute(self.state, self.bindings)


@dataclass(slots=True)
class PlanView:
    plan: Plan
    stage: Stage
    snapshot: bool  # a frozen stage snapshot rather than the current state
    position: int  # the last log position this view reflects
    state: ProcessState
    commitments: list[CommitmentView]
    events: list[RecordedEvent] = field(default_factory=list)  # the plan's, up to position
    checkpoint: Checkpoint | None = None  # the newest checkpoint within the view


async def read_log(store: EventStore, limit: int) -> list[RecordedEvent]:
    """The log up to position ``limit`` (I/O, on the event loop; the fold is ``plan_view``)."""
    out: list[RecordedEvent] = []
    while len(out) < limit:
        batch = await store.read_all(after_position=len(out), limit=min(PAGE, limit - len(out)))
        if not batch:
            break
        out.extend(batch)
    return out


def snapshot_position(plan: Plan, stage: Stage) -> int | None:
    """The last position of ``stage``'s snapshot, or None while the plan is still in it."""
    for change in plan.history:
        if change.from_stage == stage:
            return change.position - 1
    return None


async def load_plan(
    store: EventStore,
    plan_id: str,
    *,
    stage: str | None = None,
    visible: Visible | None = None,
) -> PlanView:
    head = (await store.head()).position
    return plan_view(await read_log(store, head), plan_id, stage=stage, visible=visible)


def plan_view(
    log: list[RecordedEvent],
    plan_id: str,
    *,
    stage: str | None = None,
    visible: Visible | None = None,
) -> PlanView:
    """The plan as ``log`` (the log from position 1) has it, or at the end of ``stage``: pure
    CPU (a fold and every commitment document), so the server runs it in a worker thread."""
    head = log[-1].position if log else 0
    now = fold(log)
    plan = now.plans.get(plan_id)
    if plan is None:
        raise ExportError(f"there is no plan {plan_id!r}")
    limit, shown, snapshot = head, plan.stage, False
    if stage is not None:
        try:
            shown = Stage(stage)
        except ValueError as error:
            names = ", ".join(s.value for s in Stage)
            raise ExportError(f"stage must be one of {names}, not {stage!r}") from error
        ended = snapshot_position(plan, shown)
        if ended is not None:
            limit, snapshot = ended, True
        elif shown != plan.stage:
            raise ExportError(
                f"plan {plan_id} has not been through {shown.value} yet (it is at "
                f"{plan.stage.value}), so there is no snapshot of it"
            )
    return _view(log[:limit], plan_id, shown, snapshot, limit, visible, {})


async def load_stage_views(
    store: EventStore, plan_id: str, *, visible: Visible | None = None
) -> tuple[list[PlanView], PlanView]:
    """Every frozen stage snapshot of the plan, oldest first, and its current state, from
    one read of the log."""
    head = (await store.head()).position
    return stage_views(await read_log(store, head), plan_id, visible=visible)


def stage_views(
    log: list[RecordedEvent], plan_id: str, *, visible: Visible | None = None
) -> tuple[list[PlanView], PlanView]:
    """``load_stage_views`` of a log already read: pure CPU, for a worker."""
    head = log[-1].position if log else 0
    now = fold(log)
    plan = now.plans.get(plan_id)
    if plan is None:
        raise ExportError(f"there is no plan {plan_id!r}")
    clients: Clients = {}  # shared: each update's clients are read once, not once a stage
    snapshots = [
        _view(log[: change.position - 1], plan_id, change.from_stage, True,
              change.position - 1, visible, clients)
        for change in plan.history
    ]
    return snapshots, _view(log, plan_id, plan.stage, False, head, visible, clients)


def _clients(event: RecordedEvent, cache: Clients) -> tuple[int, ...]:
    """The clients whose clock-0 item ``event``'s update carries: the state vector of an
    update lists exactly those (the rule of ``projections.replay``)."""
    found = cache.get(event.position)
    if found is None:
        found = tuple(decode_state_vector(pycrdt.get_state(event.payload)))
        cache[event.position] = found
    return found


def _view(
    log: list[RecordedEvent],
    plan_id: str,
    stage: Stage,
    snapshot: bool,
    position: int,
    visible: Visible | None,
    clients: Clients,
) -> PlanView:
    state = ProcessState()
    updates: dict[str, list[bytes]] = {}
    bindings: dict[str, dict[int, Actor]] = {}
    plan_events: list[RecordedEvent] = []
    suggesters: dict[str, Actor] = {}
    checkpoint = None
    for event in log:
        state.apply(event)
        if event.type == CHECKPOINT_TYPE:
            checkpoint = Checkpoint.from_json(event.json_payload())
        in_plan = event.context.plan_id == plan_id
        if event.stream_id.startswith(DOC_PREFIX) and event.payload_format is PayloadFormat.BINARY:
            document_id = event.stream_id[len(DOC_PREFIX):]
            commitment = state.commitments.get(state.documents.get(document_id, ""))
            if in_plan or (commitment is not None and commitment.plan_id == plan_id):
                updates.setdefault(document_id, []).append(event.payload)
                bound = bindings.setdefault(document_id, {})
                for client in _clients(event, clients):
                    bound.setdefault(client, event.actor)
                in_plan = True
        if event.stream_id.startswith(REVIEW_PREFIX) and in_plan:
            _credit_accepted(event, suggesters, bindings)
        if in_plan:
            plan_events.append(event)
    plan = state.plans[plan_id]
    commitments = []
    for item in state.commitments_of(plan_id):
        if visible is not None and not visible(state, item):
            continue
        doc: Doc[Any] = Doc()
        for update in updates.get(item.document_id, []):
            doc.apply_update(update)
        content = read_commitment(doc)
        commitments.append(CommitmentView(item, commitment_id(item, content), content,
                                          len(updates.get(item.document_id, [])),
                                          doc.get_update(),
                                          dict(bindings.get(item.document_id, {}))))
    return PlanView(plan, stage, snapshot, position, state, commitments, plan_events, checkpoint)
