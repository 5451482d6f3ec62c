"""JSON views of the process state, shaped for the web app and for scripts.

Private details are left out unless the reader may see them: contacts (of people and of
public input) only for the Secretariat; unpublished commitments not for the public.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from events.record import Actor, Stakeholder

from . import permissions
from .cycle_views import implementation_json, input_extras, window_json
from .domain import ADOPTED, STAGE_NAMES, next_stage
from .privacy import ContactSealer
from .records import Commitment, Input, Organisation, Person, Plan, Revision, Session, WorkingGroup
from .state import ProcessState


def actor_json(actor: Actor) -> dict[str, Any]:
    return {"person_id": actor.person_id, "name": actor.name, "org_id": actor.org_id,
            "org_name": actor.org_name, "stakeholder": str(actor.stakeholder)}


def stage_json(plan: Plan) -> dict[str, Any]:
    following = next_stage(plan.stage)
    return {
        "stage": str(plan.stage),
        "stage_name": {"id": STAGE_NAMES[plan.stage][0], "en": STAGE_NAMES[plan.stage][1]},
        "next_stage": str(following) if following is not None else None,
    }


def commitment_json(
    state: ProcessState, commitment: Commitment, reader: Actor | None
) -> dict[str, Any]:
    plan = state.plans[commitment.plan_id]
    write = permissions.can_write_text(state, reader, commitment)
    return {
        "id": commitment.id,
        "plan_id": commitment.plan_id,
        "working_group_id": commitment.working_group_id,
        "number": commitment.number,
        "title": commitment.title,
        "document_id": commitment.document_id,
        "published": commitment.id in plan.published,
        "can_write": write.allowed,
        "write_refusal": "" if write.allowed else write.reason,
        "version": commitment.recorded_version if plan.stage in ADOPTED else None,
        "revision": revision_json(commitment.open_revision)
        if commitment.open_revision is not None else None,
        "revisions": [revision_json(r) for r in commitment.revisions],
    }


def revision_json(revision: Revision) -> dict[str, Any]:
    return {
        "version": revision.version,
        "reason": revision.reason,
        "summary": revision.summary,
        "open": revision.open,
        "opened_by": actor_json(revision.opened_by),
        "opened_at": revision.opened_at.isoformat(),
        "opened_position": revision.opened_position,
        "closed_by": actor_json(revision.closed_by) if revision.closed_by else None,
        "closed_at": revision.closed_at.isoformat() if revision.closed_at else None,
        "closed_position": revision.closed_position,
    }


def visible_commitments(
    state: ProcessState, plan: Plan, reader: Actor | None
) -> list[Commitment]:
    return [c for c in state.commitments_of(plan.id)
            if permissions.can_read(state, reader, c).allowed]


def plan_json(state: ProcessState, plan: Plan, reader: Actor | None) -> dict[str, Any]:
    return {
        "id": plan.id,
        "title": plan.title,
        "period": plan.period,
        **stage_json(plan),
        "commitments": [
            commitment_json(state, c, reader) for c in visible_commitments(state, plan, reader)
        ],
        "history": [
            {"from": str(h.from_stage), "to": str(h.to_stage), "position": h.position,
             "at": h.at.isoformat(), "by": actor_json(h.actor), "warnings": h.warnings,
             "objection_reason": h.objection_reason}
            for h in plan.history
        ],
        "consultation": window_json(plan.consultation, datetime.now(UTC)),
        "implementation": implementation_json(plan),
    }


def organisation_json(org: Organisation) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "stakeholder": str(org.stakeholder)}


def person_json(
    state: ProcessState, person: Person, reader: Actor | None, sealer: ContactSealer
) -> dict[str, Any]:
    org = state.organisations.get(person.org_id)
    view: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "org_id": person.org_id,
        "org_name": org.name if org else "",
        "stakeholder": str(org.stakeholder) if org else None,
        "active": person.active,
    }
    if permissions.is_secretariat(reader):
        view["contact"] = sealer.open(person.contact_sealed)
        view["deactivated_reason"] = person.deactivated_reason
    return view


def working_group_json(state: ProcessState, group: WorkingGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "plan_id": group.plan_id,
        "theme": group.theme,
        "description": group.description,
        "members": [
            {
                "org_id": m.org_id,
                "org_name": state.organisations[m.org_id].name
                if m.org_id in state.organisations else "",
                "person_id": m.person_id,
                "criteria": m.criteria,
                "added_at": m.added_at.isoformat(),
            }
            for m in group.members
        ],
        "commitment_ids": [c.id for c in state.commitments.values()
                           if c.working_group_id == group.id],
    }


def session_json(state: ProcessState, session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "plan_id": session.plan_id,
        "method": str(session.method),
        "date": session.date,
        "title": session.title,
        "open": session.open,
        "attendance": [
            {"org_id": o, "org_name": state.organisations[o].name
             if o in state.organisations else ""}
            for o in session.attendance
        ],
        "minutes": session.minutes,
        "opened_position": session.opened_position,
        "closed_position": session.closed_position,
    }


def input_json(item: Input, reader: Actor | None, sealer: ContactSealer) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": item.id,
        "plan_id": item.plan_id,
        "commitment_id": item.commitment_id,
        "target": item.target,
        "text": item.text,
        "name": item.name,
        "organisation": item.organisation,
        "submitted_at": item.submitted_at.isoformat(),
        "position": item.position,
        "session_id": item.session_id,
        "responses": [
            {"status": str(r.status), "reason": r.reason, "change_position": r.change_position,
             "by": actor_json(r.actor), "at": r.at.isoformat(), "position": r.position}
            for r in item.responses
        ],
        "status": str(item.response.status) if item.response else "open",
        **input_extras(item, reader),
    }
    if reader is not None and reader.stakeholder is Stakeholder.SECRETARIAT:
        view["contact"] = sealer.open(item.contact_sealed)
    return view
