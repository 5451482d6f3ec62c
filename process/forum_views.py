"""JSON views of the forum, the gate rules and the sign-offs (``process.forum``)."""

from __future__ import annotations

from typing import Any

from .domain import Stage
from .forum import PlanForum, SignOff, forum_of
from .gates import GateReport
from .records import Plan
from .state import ProcessState
from .views import actor_json


def signoff_json(state: ProcessState, item: SignOff, current: bool = True) -> dict[str, Any]:
    org = state.organisations.get(item.org_id)
    return {
        "commitment_id": item.commitment_id,
        "position": str(item.position),
        "text": item.text,
        "stage": str(item.stage),
        "by": actor_json(item.actor),
        "org_id": item.org_id,
        "org_name": org.name if org is not None else "",
        "on_behalf": item.on_behalf,
        "at": item.at.isoformat(),
        "log_position": item.log_position,
        "session_id": item.session_id,
        "current": current,  # false: superseded by the same person's later sign-off
    }


def signoffs_json(state: ProcessState, forum: PlanForum,
                  commitment_id: str | None) -> list[dict[str, Any]]:
    """Every sign-off on the record, oldest first, each marked current or superseded."""
    mine = [s for s in forum.signoffs if s.commitment_id == commitment_id]
    current = {id(s) for stage in Stage for s in forum.current(commitment_id, stage)}
    return [signoff_json(state, s, id(s) in current) for s in mine]


def forum_json(state: ProcessState, plan: Plan) -> dict[str, Any]:
    forum = forum_of(state, plan.id)
    members = []
    for member in forum.members.values():
        person = state.people.get(member.person_id)
        org = state.organisations.get(person.org_id) if person is not None else None
        members.append({
            "person_id": member.person_id,
            "name": person.name if person is not None else "",
            "org_id": org.id if org is not None else "",
            "org_name": org.name if org is not None else "",
            "stakeholder": str(org.stakeholder) if org is not None else None,
            "added_at": member.added_at.isoformat(),
            "added_by": actor_json(member.added_by),
        })
    removed = [{"person_id": r.person_id, "reason": r.reason, "at": r.removed_at.isoformat(),
                "by": actor_json(r.removed_by)} for r in forum.removals]
    return {"plan_id": plan.id, "members": members, "removed": removed,
            "gates": gates_json(forum)}


def gates_json(forum: PlanForum) -> dict[str, Any]:
    return {"gates": {str(stage): [str(r) for r in required]
                      for stage, required in forum.gates.items()},
            "forum_rule": forum.rule.as_json(),
            "lead_organisations": {c: list(orgs) for c, orgs in forum.leads.items()}}


def report_json(state: ProcessState, report: GateReport) -> dict[str, Any]:
    return {
        "required": report.required,
        "ready": not report.missing,
        "done": [i.as_json() for i in report.done],
        "missing": [i.as_json() for i in report.missing],
        "objections": [signoff_json(state, s) for s in report.objections],
        "reservations": [signoff_json(state, s) for s in report.reservations],
        "forum": report.forum,
    }
