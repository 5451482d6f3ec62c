"""The state of the co-creation process, folded from the log.

``ProcessState.apply`` is a pure fold: given the same events in the same order, every server
instance arrives at the same state. It never raises on an event it does not understand (an
unknown id, a newer payload), because one odd event must not stop every instance from
following the log; it records nothing for it instead. The records it builds (plans, people,
groups, sessions, inputs) are in ``records``.
"""

from __future__ import annotations

from typing import Any

from events.record import Actor, RecordedEvent, Stakeholder
from httpapi.params import looks_whole
from identity.access import SignInRefused

from . import cycle_state, forum
from . import domain as d
from .cycle_state import Implementation
from .domain import Method, Stage
from .records import (
    Commitment,
    Input,
    Membership,
    Organisation,
    Person,
    Plan,
    Response,
    Revision,
    Session,
    StageChange,
    WorkingGroup,
)

DEACTIVATED = "Akun ini sudah dinonaktifkan / this account has been deactivated"
# Short enough for a websocket close reason (123 bytes).
CLAIMS_DISAGREE = (
    "Organisasi/peran di token tidak cocok dengan pendaftaran / the token's organisation or "
    "role differs from the registry"
)

ACCESS_EVENTS = frozenset({
    d.PLAN_CREATED,
    d.PLAN_STAGE_ADVANCED,
    d.PLAN_PUBLISHED,
    d.COMMITMENT_CREATED,
    d.COMMITMENT_REVISION_OPENED,
    d.COMMITMENT_REVISION_CLOSED,
    d.ORGANISATION_REGISTERED,
    d.PERSON_INVITED,
    d.PERSON_DEACTIVATED,
    d.PERSON_INVITATION_ISSUED,  # ends the person's sessions, like a sign-out
    d.PERSON_SIGNED_OUT,
    d.WORKING_GROUP_MEMBER_ADDED,
    d.SESSION_OPENED,
    d.SESSION_ATTENDANCE_RECORDED,
    d.SESSION_CLOSED,
    *cycle_state.ACCESS_EVENTS,
})
"""Event types after which an answer of the access policy may differ."""


class ProcessState:
    def __init__(self) -> None:
        self.position = 0
        self.versions: dict[str, int] = {}
        self.plans: dict[str, Plan] = {}
        self.organisations: dict[str, Organisation] = {}
        self.people: dict[str, Person] = {}
        self.working_groups: dict[str, WorkingGroup] = {}
        self.commitments: dict[str, Commitment] = {}
        self.documents: dict[str, str] = {}  # document id -> commitment id
        self.sessions: dict[str, Session] = {}
        self.inputs: dict[str, Input] = {}
        self.forums: dict[str, forum.PlanForum] = {}  # plan id -> forum, gates, sign-offs
        self.implementations: dict[str, Implementation] = {}  # by commitment id
        # person id -> Unix time: sessions issued until then were ended (signed out, a new
        # invitation link, deactivated). Kept for people the registry does not know too:
        # a script's token names a person by id alone.
        self.sessions_ended: dict[str, float] = {}

    # -- the fold ---------------------------------------------------------------------------

    def apply(self, event: RecordedEvent) -> bool:
        """Fold one event in; return whether access decisions may have changed."""
        if event.position <= self.position:
            return False  # already folded (a re-delivered event)
        self.position = event.position
        self.versions[event.stream_id] = event.stream_version
        handler = _HANDLERS.get(event.type)
        if handler is None:
            return False
        try:
            payload = event.json_payload()
            if not isinstance(payload, dict):
                return False
            handler(self, event, payload)
        except (KeyError, TypeError, ValueError):
            return False  # an event this version cannot read; see the module docstring
        return event.type in ACCESS_EVENTS

    def version_of(self, stream_id: str) -> int:
        return self.versions.get(stream_id, 0)

    # -- queries ----------------------------------------------------------------------------

    def actor_for(self, claimed: Actor) -> Actor:
        """The actor the registry knows for a token's claims; raises ``SignInRefused``.

        A token for a registered person acts as that person: name, organisation and
        stakeholder type come from the log, and a token whose organisation or role disagrees
        with the log's is refused (a token minted for someone else under their id). A person
        id the log does not know acts with its claims: tokens for names outside the registry
        carry ``ext:`` ids (``identity.tokens``), which registered ids never have."""
        person = self.people.get(claimed.person_id)
        if person is None:
            return claimed
        if not person.active:
            raise SignInRefused("deactivated", DEACTIVATED)
        actor = self.registered(person.id)
        if actor is None:
            raise SignInRefused("unknown_organisation", CLAIMS_DISAGREE)
        if (claimed.org_id, claimed.stakeholder) != (actor.org_id, actor.stakeholder):
            raise SignInRefused("claims_disagree", CLAIMS_DISAGREE)
        return actor

    def registered(self, person_id: str) -> Actor | None:
        """A registered person as the log knows them (active or not); None if unknown."""
        person = self.people.get(person_id)
        org = self.organisations.get(person.org_id) if person is not None else None
        if person is None or org is None:
            return None
        return Actor(person.id, person.name, org.id, org.name, org.stakeholder)

    def session_ended(self, person_id: str, issued_at: float) -> bool:
        """Whether a session of the person issued at ``issued_at`` was ended since."""
        return issued_at <= self.sessions_ended.get(person_id, float("-inf"))

    def is_member(self, actor: Actor, working_group_id: str) -> bool:
        group = self.working_groups.get(working_group_id)
        if group is None:
            return False
        return any(
            m.org_id == actor.org_id and m.person_id in (None, actor.person_id)
            for m in group.members
        )

    def open_session_for(self, plan_id: str, org_id: str) -> Session | None:
        """The most recently opened session of the plan that the organisation attends."""
        attended = [
            s for s in self.sessions.values()
            if s.open and s.plan_id == plan_id and org_id in s.attendance
        ]
        return max(attended, key=lambda s: s.opened_position, default=None)

    def commitments_of(self, plan_id: str) -> list[Commitment]:
        plan = self.plans.get(plan_id)
        if plan is None:
            return []
        return [self.commitments[c] for c in plan.commitment_ids]

    def inputs_of(self, commitment_id: str) -> list[Input]:
        return [i for i in self.inputs.values() if i.commitment_id == commitment_id]

    def implementation_of(self, commitment_id: str) -> Implementation:
        return self.implementations.setdefault(commitment_id, Implementation())

    def next_number(self, plan_id: str) -> str:
        numbers = [c.number for c in self.commitments_of(plan_id)]
        return str(1 + max((int(n) for n in numbers if looks_whole(n)), default=0))


# -- event handlers: (state, event, payload) -> None ----------------------------------------


def _plan_created(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.plans[p["plan_id"]] = Plan(
        p["plan_id"], p["title"], p.get("period", ""), Stage(p["stage"]), e.recorded_at
    )


def _stage_advanced(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    plan = s.plans[p["plan_id"]]
    change = StageChange(
        Stage(p["from"]), Stage(p["to"]), list(p.get("warnings", [])), e.position, e.actor,
        e.recorded_at, str(p.get("objection_reason") or ""),
    )
    plan.stage = change.to_stage
    plan.history.append(change)


def _published(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    plan = s.plans[p["plan_id"]]
    plan.published.update(c for c in p["commitment_ids"] if c in s.commitments)


def _commitment_created(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    plan = s.plans[p["plan_id"]]
    commitment = Commitment(
        p["commitment_id"], plan.id, p["working_group_id"], str(p["number"]), p["title"],
        p["document_id"], e.recorded_at,
    )
    s.commitments[commitment.id] = commitment
    s.documents[commitment.document_id] = commitment.id
    plan.commitment_ids.append(commitment.id)


def _revision_opened(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    commitment = s.commitments[p["commitment_id"]]
    version = int(p["version"])
    if commitment.open_revision is not None or version != commitment.recorded_version + 1:
        raise ValueError("not the next revision")  # the service never records one
    commitment.revisions.append(
        Revision(version, str(p["reason"]), e.actor, e.recorded_at, e.position)
    )


def _revision_closed(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    revision = s.commitments[p["commitment_id"]].open_revision
    if revision is None or revision.version != int(p["version"]):
        raise ValueError("no such open revision")
    revision.summary = str(p.get("summary") or "")
    revision.closed_by = e.actor
    revision.closed_at = e.recorded_at
    revision.closed_position = e.position


def _org_registered(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.organisations[p["org_id"]] = Organisation(
        p["org_id"], p["name"], Stakeholder(p["stakeholder"])
    )


def _person_invited(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.people[p["person_id"]] = Person(
        p["person_id"], p["name"], p["org_id"], p.get("contact_sealed"), p["invitation_id"]
    )


def _end_sessions(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    """Every session of the person issued before this event was recorded ends."""
    person_id = str(p["person_id"])
    # Never earlier than an end already folded: instances' clocks may differ a little.
    s.sessions_ended[person_id] = max(e.recorded_at.timestamp(),
                                      s.sessions_ended.get(person_id, float("-inf")))


def _invitation_issued(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    person = s.people[p["person_id"]]
    person.invitation_id = p["invitation_id"]
    person.invitation_used = False
    _end_sessions(s, e, p)


def _invitation_accepted(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    person = s.people[p["person_id"]]
    if person.invitation_id == p["invitation_id"]:
        person.invitation_used = True


def _person_deactivated(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    _end_sessions(s, e, p)
    person = s.people[p["person_id"]]
    person.active = False
    person.deactivated_reason = p.get("reason", "")


def _wg_created(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.working_groups[p["working_group_id"]] = WorkingGroup(
        p["working_group_id"], p["plan_id"], p["theme"], p.get("description", "")
    )


def _member_added(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    group = s.working_groups[p["working_group_id"]]
    group.members.append(
        Membership(p["org_id"], p.get("person_id"), dict(p.get("criteria", {})), e.recorded_at)
    )


def _session_opened(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.sessions[p["session_id"]] = Session(
        p["session_id"], p["plan_id"], Method(p["method"]), p["date"], p["title"],
        e.recorded_at, opened_position=e.position,
    )


def _attendance(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    session = s.sessions[p["session_id"]]
    for org_id in p["org_ids"]:
        if org_id not in session.attendance:
            session.attendance.append(org_id)


def _minutes(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.sessions[p["session_id"]].minutes = p["minutes"]


def _session_closed(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    session = s.sessions[p["session_id"]]
    session.open = False
    session.closed_position = e.position


def _input_submitted(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.inputs[p["input_id"]] = Input(
        p["input_id"], p["plan_id"], p["commitment_id"], dict(p.get("target") or {}), p["text"],
        p.get("name") or "", p.get("organisation") or "", p.get("contact_sealed"),
        e.recorded_at, e.position, e.context.session_id,
        publish_name=bool(p.get("publish_name", True)),
        channel=str(p.get("channel") or "online"),
    )


def _input_responded(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.inputs[p["input_id"]].responses.append(
        Response(
            d.ResponseStatus(p["status"]), p["reason"], p.get("change_position"), e.actor,
            e.recorded_at, e.position,
        )
    )


_HANDLERS = {
    d.PLAN_CREATED: _plan_created,
    d.PLAN_STAGE_ADVANCED: _stage_advanced,
    d.PLAN_PUBLISHED: _published,
    d.COMMITMENT_CREATED: _commitment_created,
    d.COMMITMENT_REVISION_OPENED: _revision_opened,
    d.COMMITMENT_REVISION_CLOSED: _revision_closed,
    d.ORGANISATION_REGISTERED: _org_registered,
    d.PERSON_INVITED: _person_invited,
    d.PERSON_INVITATION_ISSUED: _invitation_issued,
    d.PERSON_DEACTIVATED: _person_deactivated,
    d.PERSON_INVITATION_ACCEPTED: _invitation_accepted,
    d.PERSON_SIGNED_OUT: _end_sessions,
    d.WORKING_GROUP_CREATED: _wg_created,
    d.WORKING_GROUP_MEMBER_ADDED: _member_added,
    d.SESSION_OPENED: _session_opened,
    d.SESSION_ATTENDANCE_RECORDED: _attendance,
    d.SESSION_MINUTES_RECORDED: _minutes,
    d.SESSION_CLOSED: _session_closed,
    d.INPUT_SUBMITTED: _input_submitted,
    d.INPUT_RESPONDED: _input_responded,
    **cycle_state.HANDLERS,
    **forum.HANDLERS,
}


def fold(events: list[RecordedEvent]) -> ProcessState:
    state = ProcessState()
    for event in events:
        state.apply(event)
    return state
