"""The handlers of the process API: thin, since the service checks permissions and state."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from commitment import template as t
from commitment.contract import contract_json
from events.record import Actor, Stakeholder
from httpapi.params import BadNumber, whole_number

from . import permissions, views
from .errors import Forbidden, Invalid
from .http import (
    Call,
    limiter_of,
    ok,
    rate_key,
)
from .validation import Problem

# -- handlers: you ------------------------------------------------------------------------


async def get_me(call: Call) -> Response:
    actor = call.signed_in()
    state = await call.service.state()
    person = state.people.get(actor.person_id)
    return ok({**views.actor_json(actor), "known": person is not None})


# -- handlers: plans ------------------------------------------------------------------------


async def list_plans(call: Call) -> Response:
    state = await call.service.state()
    return ok({"plans": [views.plan_json(state, p, call.actor) for p in state.plans.values()]})


async def create_plan(call: Call) -> Response:
    b = call.body
    plan = await call.service.create_plan(call.actor, b["title"], b.get("period", ""),
                                          b.get("id"))
    state = await call.service.state()
    return ok(views.plan_json(state, plan, call.actor), 201)


async def get_plan(call: Call) -> Response:
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    return ok(views.plan_json(state, plan, call.actor))


def _may_see_gates(actor: Actor | None) -> None:
    if actor is None or actor.stakeholder not in (Stakeholder.SECRETARIAT,
                                                  Stakeholder.AUDITOR):
        raise Forbidden("the stage-gate checklist is for the Secretariat (and auditors)")


async def get_checklist(call: Call) -> Response:
    _may_see_gates(call.signed_in())
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    return ok(await call.service.checklist(plan))


async def advance_stage(call: Call) -> Response:
    plan, checklist = await call.service.advance_stage(
        call.actor, call.param("plan_id"), call.body["from_stage"],
        call.body.get("acknowledge_warnings", False), call.body.get("objection_reason") or "",
    )
    state = await call.service.state()
    return ok({"plan": views.plan_json(state, plan, call.actor), "checklist": checklist})


async def publish_plan(call: Call) -> Response:
    plan = await call.service.publish(call.actor, call.param("plan_id"),
                                      call.body.get("commitment_ids"))
    state = await call.service.state()
    return ok(views.plan_json(state, plan, call.actor))


async def list_plan_inputs(call: Call) -> Response:
    """The register of inputs and reasoned responses of a plan (OGP standard 4.1)."""
    state = await call.service.state()
    plan = call.service.plan(state, call.param("plan_id"))
    readable = {c.id for c in views.visible_commitments(state, plan, call.actor)}
    items = [i for i in state.inputs.values() if i.plan_id == plan.id and
             i.commitment_id in readable]
    return ok({"inputs": [views.input_json(i, call.actor, call.service.sealer) for i in items]})


# -- handlers: organisations and people ---------------------------------------------------


async def list_organisations(call: Call) -> Response:
    state = await call.service.state()
    return ok({"organisations": [views.organisation_json(o)
                                 for o in state.organisations.values()]})


async def create_organisation(call: Call) -> Response:
    b = call.body
    org = await call.service.register_organisation(call.actor, b["name"], b["stakeholder"],
                                                   b.get("id"))
    return ok(views.organisation_json(org), 201)


def _may_list_people(actor: Actor) -> None:
    if actor.stakeholder is Stakeholder.PUBLIC:
        raise Forbidden("the list of people is for the co-creation participants")


async def list_people(call: Call) -> Response:
    actor = call.signed_in()
    _may_list_people(actor)
    state = await call.service.state()
    return ok({"people": [views.person_json(state, p, actor, call.service.sealer)
                          for p in state.people.values()]})


def _invitation_links(call: Call, token: str) -> dict[str, str]:
    path = f"/invite/{token}"
    return {"invitation_path": path, "invitation_url": str(call.request.base_url).rstrip("/")
            + path}


async def invite_person(call: Call) -> Response:
    b = call.body
    person, token = await call.service.invite_person(
        call.actor, b["name"], b["org_id"], b.get("contact"), b.get("id")
    )
    state = await call.service.state()
    return ok({"person": views.person_json(state, person, call.actor, call.service.sealer),
               **_invitation_links(call, token)}, 201)


async def reissue_invitation(call: Call) -> Response:
    token = await call.service.reissue_invitation(call.actor, call.param("person_id"))
    return ok(_invitation_links(call, token), 201)


async def deactivate_person(call: Call) -> Response:
    person = await call.service.deactivate_person(call.actor, call.param("person_id"),
                                                  call.body.get("reason", ""))
    state = await call.service.state()
    return ok(views.person_json(state, person, call.actor, call.service.sealer))


# -- handlers: working groups and commitments ---------------------------------------------


async def list_working_groups(call: Call) -> Response:
    state = await call.service.state()
    plan_id = call.request.query_params.get("plan_id")
    groups = [g for g in state.working_groups.values() if plan_id in (None, g.plan_id)]
    return ok({"working_groups": [views.working_group_json(state, g) for g in groups]})


async def create_working_group(call: Call) -> Response:
    b = call.body
    group = await call.service.create_working_group(
        call.actor, b["plan_id"], b["theme"], b.get("description", ""), b.get("id")
    )
    state = await call.service.state()
    return ok(views.working_group_json(state, group), 201)


async def add_member(call: Call) -> Response:
    b = call.body
    group = await call.service.add_member(call.actor, call.param("group_id"), b["org_id"],
                                          b.get("person_id"), b["criteria"])
    state = await call.service.state()
    return ok(views.working_group_json(state, group), 201)


async def create_commitment(call: Call) -> Response:
    b = call.body
    commitment = await call.service.create_commitment(
        call.actor, b["plan_id"], b["working_group_id"], b["title"], b.get("number"),
        b.get("id"), start_date=b.get("start_date"), end_date=b.get("end_date"),
        lead_agency=b.get("lead_agency"),
    )
    state = await call.service.state()
    return ok(views.commitment_json(state, commitment, call.actor), 201)


async def open_revision(call: Call) -> Response:
    commitment = await call.service.open_revision(call.actor, call.param("commitment_id"),
                                                  call.body["reason"])
    state = await call.service.state()
    return ok(views.commitment_json(state, commitment, call.actor), 201)


async def close_revision(call: Call) -> Response:
    try:
        version = whole_number(call.param("version"), "version")
    except BadNumber as error:
        raise Invalid(f"{error}: a revision's number (2, 3, ...)") from None
    commitment = await call.service.close_revision(
        call.actor, call.param("commitment_id"), version, call.body.get("summary", "")
    )
    state = await call.service.state()
    return ok(views.commitment_json(state, commitment, call.actor))


async def _readable_commitment(call: Call) -> tuple[Any, Any]:
    state = await call.service.state()
    commitment = call.service.commitment(state, call.param("commitment_id"))
    read = permissions.can_read(state, call.actor, commitment)
    if not read.allowed:
        raise Forbidden(read.reason)
    return state, commitment


async def get_commitment(call: Call) -> Response:
    state, commitment = await _readable_commitment(call)
    return ok(views.commitment_json(state, commitment, call.actor))


async def get_document(call: Call) -> Response:
    """The commitment's text as plain data (sections as text and HTML, milestones...)."""
    _, commitment = await _readable_commitment(call)
    doc = await call.service.runtime.document(commitment.document_id)
    return ok({"commitment_id": commitment.id, **t.read_commitment(doc).as_json()})


async def get_validation(call: Call) -> Response:
    _, commitment = await _readable_commitment(call)
    problems: list[Problem] = await call.service.validation(commitment)
    return ok({"commitment_id": commitment.id, "ok": not problems,
               "problems": [p.as_json() for p in problems]})


async def list_commitment_inputs(call: Call) -> Response:
    state, commitment = await _readable_commitment(call)
    return ok({"inputs": [views.input_json(i, call.actor, call.service.sealer)
                          for i in state.inputs_of(commitment.id)]})


async def get_template(call: Call) -> Response:
    """The commitment contract: layout, fields, labels and guidance, for editors."""
    return ok(contract_json())


# -- handlers: sessions -------------------------------------------------------------------


async def list_sessions(call: Call) -> Response:
    state = await call.service.state()
    plan_id = call.request.query_params.get("plan_id")
    found = [s for s in state.sessions.values() if plan_id in (None, s.plan_id)]
    return ok({"sessions": [views.session_json(state, s) for s in found]})


async def open_session(call: Call) -> Response:
    b = call.body
    session = await call.service.open_session(call.actor, b["plan_id"], b["method"], b["date"],
                                              b["title"])
    state = await call.service.state()
    return ok(views.session_json(state, session), 201)


async def record_attendance(call: Call) -> Response:
    session = await call.service.record_attendance(call.actor, call.param("session_id"),
                                                   call.body["org_ids"])
    return ok(views.session_json(await call.service.state(), session))


async def record_minutes(call: Call) -> Response:
    session = await call.service.record_minutes(call.actor, call.param("session_id"),
                                                call.body["minutes"])
    return ok(views.session_json(await call.service.state(), session))


async def close_session(call: Call) -> Response:
    session = await call.service.close_session(call.actor, call.param("session_id"))
    return ok(views.session_json(await call.service.state(), session))


# -- handlers: public input -----------------------------------------------------------------


async def submit_input(call: Call) -> Response:
    b = call.body
    limiter_of(call.request.app).take(rate_key(call.request, call.actor))
    target = {k: b[k] for k in ("section", "milestone") if b.get(k) is not None}
    item = await call.service.submit_input(
        call.actor, call.param("commitment_id"), b["text"], target, b.get("name") or "",
        b.get("organisation") or "", b.get("contact"),
        publish_name=bool(b.get("publish_name", False)),
    )
    return ok(views.input_json(item, call.actor, call.service.sealer), 201)


async def respond_to_input(call: Call) -> Response:
    b = call.body
    if not str(b.get("reason", "")).strip():
        raise Invalid("Tanggapan perlu alasan / a reasoned response needs a reason",
                      code="reason_required")
    item = await call.service.respond(call.actor, call.param("input_id"), b["status"],
                                      b["reason"], b.get("change_position"))
    return ok(views.input_json(item, call.actor, call.service.sealer), 201)

