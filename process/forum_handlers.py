"""The handlers of the forum, gate and sign-off routes: thin, the service checks the rest."""

from __future__ import annotations

from starlette.responses import Response

from events.record import Actor

from . import permissions
from .errors import Forbidden
from .forum import forum_of
from .forum_views import forum_json, gates_json, signoff_json, signoffs_json
from .gates import gate_report
from .http import Call, ok


def _reader(call: Call) -> Actor:
    """Forum membership and sign-offs name people: for the co-creation participants and
    auditors, like the list of people; the public reads the outcome in the exports."""
    actor = call.signed_in()
    if not permissions.reads_unpublished(actor):
        raise Forbidden("Forum dan persetujuan hanya untuk peserta ko-kreasi dan auditor / the "
                        "forum and sign-offs are for the co-creation participants and auditors")
    return actor


async def get_forum(call: Call) -> Response:
    _reader(call)
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    return ok(forum_json(state, plan))


async def add_forum_member(call: Call) -> Response:
    plan = await call.service.add_forum_member(call.actor, call.param("plan_id"),
                                               call.body["person_id"])
    return ok(forum_json(await call.service.state(), plan), 201)


async def remove_forum_member(call: Call) -> Response:
    plan = await call.service.remove_forum_member(
        call.actor, call.param("plan_id"), call.param("person_id"),
        call.body.get("reason") or "",
    )
    return ok(forum_json(await call.service.state(), plan))


async def get_gates(call: Call) -> Response:
    _reader(call)
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    return ok({"plan_id": plan.id, **gates_json(forum_of(state, plan.id))})


async def set_gates(call: Call) -> Response:
    body = dict(call.body)
    rule = body.pop("forum_rule", None)
    plan = await call.service.set_gates(call.actor, call.param("plan_id"), body, rule)
    state = await call.service.state()
    return ok({"plan_id": plan.id, **gates_json(forum_of(state, plan.id))})


async def set_lead_organisations(call: Call) -> Response:
    plan = await call.service.set_lead_organisations(
        call.actor, call.param("commitment_id"), call.body["org_ids"])
    state = await call.service.state()
    return ok({"plan_id": plan.id, **gates_json(forum_of(state, plan.id))})


async def list_commitment_signoffs(call: Call) -> Response:
    actor = _reader(call)
    state = await call.service.state()
    commitment = call.service.commitment(state, call.param("commitment_id"))
    plan = state.plans[commitment.plan_id]
    forum = forum_of(state, plan.id)
    leads = forum.leads.get(commitment.id, ())
    report = gate_report(state, plan)
    return ok({
        "commitment_id": commitment.id,
        "stage": str(plan.stage),
        "lead_organisations": [{"org_id": o, "org_name": state.organisations[o].name
                                if o in state.organisations else ""} for o in leads],
        "required": "lead_agency" in report.required,
        "may_sign": "lead_agency" in report.required and (
            actor.org_id in leads or (permissions.is_secretariat(actor) and bool(leads))),
        "missing": [i.as_json() for i in report.missing if i.commitment_id == commitment.id],
        "signoffs": signoffs_json(state, forum, commitment.id),
    })


async def sign_off_commitment(call: Call) -> Response:
    b = call.body
    item = await call.service.sign_off_commitment(
        call.actor, call.param("commitment_id"), b["position"], b.get("text") or "",
        b.get("on_behalf_of"),
    )
    return ok(signoff_json(await call.service.state(), item), 201)


async def list_plan_signoffs(call: Call) -> Response:
    actor = _reader(call)
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    forum = forum_of(state, plan.id)
    report = gate_report(state, plan)
    return ok({
        "plan_id": plan.id,
        "stage": str(plan.stage),
        "required": "forum" in report.required,
        "may_sign": "forum" in report.required and actor.person_id in forum.members,
        "forum": report.forum,
        "signoffs": signoffs_json(state, forum, None),
    })


async def sign_off_plan(call: Call) -> Response:
    b = call.body
    item = await call.service.sign_off_plan(call.actor, call.param("plan_id"), b["position"],
                                            b.get("text") or "")
    return ok(signoff_json(await call.service.state(), item), 201)
