"""The multi-stakeholder forum of a plan, its stage gates and the sign-offs, folded from the log.

OGP's Participation & Co-creation Standard 1 asks for a forum of government and
non-government members that oversees co-creation and approves the plan; OGI's process asks
the lead agency of each commitment to accept it. Both are recorded here as sign-offs:
"agree", "agree with reservations" (with a text) or "object" (with a text). A later sign-off
of the same person on the same thing supersedes the earlier one for display and for the
gate; every one stays on the record.

All of it lives on the plan's own ``forum:{plan_id}`` stream, not on ``plan:{plan_id}``:
live edits are guarded by the plan stream's version (a stage advance withdraws access), and
a forum vote must not make every editor's next keystroke decide its access again. A
sign-off is appended guarded by the plan stream (so it cannot land after the stage it was
given for has ended) and a stage advance guarded by the forum stream (so it never overlooks a
sign-off, objection or removal recorded at the same moment).

The fold never raises on an event it cannot use (``process.state``'s rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from events.record import Actor, RecordedEvent, Stakeholder

from . import domain as d
from .domain import Stage

if TYPE_CHECKING:
    from .state import ProcessState


class Position(StrEnum):
    AGREE = "agree"
    RESERVATIONS = "agree_with_reservations"
    OBJECT = "object"


class Requirement(StrEnum):
    LEAD_AGENCY = "lead_agency"  # each commitment's lead agency signs it off
    FORUM = "forum"  # the forum approves the plan


GATE_STAGES = (Stage.SETUP, Stage.DRAFT1, Stage.DRAFT2, Stage.DRAFT3, Stage.DRAFT4)
"""Stages that have a gate (leaving them); Final has none."""

GOVERNMENT = frozenset({Stakeholder.KLDI, Stakeholder.SECRETARIAT})
"""Forum members counted as government: K/L/D/I and the OGI Secretariat (hosted by
Bappenas). Civil society: CSOs."""

FORUM_STAKEHOLDERS = frozenset({Stakeholder.KLDI, Stakeholder.SECRETARIAT, Stakeholder.CSO})


@dataclass(frozen=True, slots=True)
class ForumRule:
    """When the forum approves: more than half of its current members agree (with or without
    reservations), among them at least ``min_government`` government and
    ``min_civil_society`` civil-society members."""

    min_government: int = 1
    min_civil_society: int = 1

    def as_json(self) -> dict[str, int]:
        return {"min_government": self.min_government,
                "min_civil_society": self.min_civil_society}


@dataclass(frozen=True, slots=True)
class ForumMember:
    person_id: str
    added_by: Actor
    added_at: datetime
    position: int


@dataclass(frozen=True, slots=True)
class ForumRemoval:
    person_id: str
    reason: str
    removed_by: Actor
    removed_at: datetime
    position: int


@dataclass(frozen=True, slots=True)
class SignOff:
    commitment_id: str | None  # None: a sign-off of the plan by a forum member
    position: Position
    text: str
    stage: Stage
    actor: Actor  # who recorded it
    org_id: str  # the organisation it speaks for (a lead agency, or the member's own)
    on_behalf: bool  # recorded by the Secretariat for the lead agency
    at: datetime
    log_position: int
    session_id: str | None


@dataclass
class PlanForum:
    plan_id: str
    members: dict[str, ForumMember] = field(default_factory=dict)  # person id -> membership
    removals: list[ForumRemoval] = field(default_factory=list)
    gates: dict[Stage, tuple[Requirement, ...]] = field(default_factory=dict)
    rule: ForumRule = field(default_factory=ForumRule)
    leads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # commitment -> org ids
    signoffs: list[SignOff] = field(default_factory=list)

    def required(self, stage: Stage) -> tuple[Requirement, ...]:
        return self.gates.get(stage, ())

    def current(self, commitment_id: str | None, stage: Stage) -> list[SignOff]:
        """The latest sign-off of each person (per organisation spoken for) at ``stage``."""
        latest: dict[tuple[str, str], SignOff] = {}
        for item in self.signoffs:
            if item.commitment_id == commitment_id and item.stage is stage:
                latest[(item.actor.person_id, item.org_id)] = item
        return list(latest.values())


def forum_of(state: ProcessState, plan_id: str) -> PlanForum:
    """The plan's forum record (an empty one, not stored, for a plan without any)."""
    return state.forums.get(plan_id) or PlanForum(plan_id)


def _forum(state: ProcessState, plan_id: str) -> PlanForum:
    if plan_id not in state.plans:
        raise KeyError(plan_id)
    return state.forums.setdefault(plan_id, PlanForum(plan_id))


def _member_added(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    forum = _forum(s, p["plan_id"])
    person_id = str(p["person_id"])
    forum.members[person_id] = ForumMember(person_id, e.actor, e.recorded_at, e.position)


def _member_removed(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    forum = _forum(s, p["plan_id"])
    person_id = str(p["person_id"])
    if forum.members.pop(person_id, None) is not None:
        forum.removals.append(
            ForumRemoval(person_id, str(p["reason"]), e.actor, e.recorded_at, e.position)
        )


def _gates_set(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    gates = {Stage(stage): tuple(Requirement(r) for r in required)
             for stage, required in dict(p["gates"]).items()}
    rule = dict(p.get("forum_rule") or {})
    forum = _forum(s, p["plan_id"])
    forum.gates = {stage: required for stage, required in gates.items() if required}
    forum.rule = ForumRule(int(rule.get("min_government", 1)),
                           int(rule.get("min_civil_society", 1)))


def _leads_set(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    commitment = s.commitments[p["commitment_id"]]
    _forum(s, commitment.plan_id).leads[commitment.id] = tuple(str(o) for o in p["org_ids"])


def _signoff(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    forum = _forum(s, p["plan_id"])
    commitment_id = p.get("commitment_id")
    if commitment_id is not None and commitment_id not in s.commitments:
        raise KeyError(commitment_id)
    forum.signoffs.append(SignOff(
        commitment_id, Position(p["position"]), str(p.get("text") or ""), Stage(p["stage"]),
        e.actor, str(p["org_id"]), bool(p.get("on_behalf")), e.recorded_at, e.position,
        e.context.session_id,
    ))


HANDLERS = {
    d.FORUM_MEMBER_ADDED: _member_added,
    d.FORUM_MEMBER_REMOVED: _member_removed,
    d.FORUM_GATES_SET: _gates_set,
    d.COMMITMENT_LEADS_SET: _leads_set,
    d.SIGNOFF_RECORDED: _signoff,
}
