"""The JSON HTTP API of the co-creation process, under ``/api/``.

``OPERATIONS`` is the route table: each entry names its method, path, handler, request body
schema and documentation, so the routes, the body checks and ``/openapi.json`` come from one
place and cannot drift apart. Handlers are thin: the service checks permissions and state.

Errors are JSON ``{"error": code, "message": text}`` with 401 (not signed in), 403 (not
allowed), 404 (unknown id), 409 (wrong stage, concurrent change), 422 (wrong or missing
field), 429 (too much public input) or 503 (log unavailable). A refused request appends
nothing to the log.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from events.record import Actor, Stakeholder
from server.auth import SESSION_COOKIE, authenticate
from server.tokens import TokenError, issue_token

from . import rules, views
from .domain import CRITERIA, Method, ResponseStatus, Stage
from .errors import Forbidden, Invalid, NotSignedIn, ProcessError, RateLimited
from .invitations import InvalidInvitation, read_invitation
from .policy import runtime_of
from .ratelimit import InputRateLimiter, Limits
from .schema import Schema, check, obj, string
from .service import ProcessService
from .template import SECTIONS
from .validation import Problem

MAX_BODY_BYTES = 64 * 1024
SESSION_TTL_S = 7 * 24 * 3600
JSON_HEADERS = {"cache-control": "no-store"}


@dataclass
class Call:
    request: Request
    service: ProcessService
    actor: Actor | None  # as the log knows them now; None when not signed in
    body: dict[str, Any]

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def signed_in(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("Silakan masuk terlebih dahulu / please sign in first")
        return self.actor


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    who: str = "anyone"  # who may call it, for the documentation; the service enforces it
    body: Schema | None = None
    status: int = 200
    response: str = ""  # name of the response schema in openapi.COMPONENTS
    errors: tuple[int, ...] = field(default=())


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=JSON_HEADERS)


def error_response(error: ProcessError) -> JSONResponse:
    headers = dict(JSON_HEADERS)
    if isinstance(error, RateLimited):
        headers["retry-after"] = str(error.retry_after_s)
    return JSONResponse({"error": error.code, "message": error.message},
                        status_code=error.status, headers=headers)


# -- wiring ---------------------------------------------------------------------------------


def service_of(app: Starlette) -> ProcessService:
    service: ProcessService | None = getattr(app.state, "process_service", None)
    if service is None:
        service = ProcessService(runtime_of(app), app.state.settings.secret_key)
        app.state.process_service = service
    return service


def limiter_of(app: Starlette) -> InputRateLimiter:
    limiter: InputRateLimiter | None = getattr(app.state, "process_input_limiter", None)
    if limiter is None:
        extra: dict[str, str] = getattr(app.state.settings, "extra", {}) or {}
        defaults = Limits()
        limiter = InputRateLimiter(Limits(
            per_client=int(extra.get("input_per_client", defaults.per_client)),
            per_client_window_s=float(
                extra.get("input_per_client_window_s", defaults.per_client_window_s)
            ),
            total=int(extra.get("input_total", defaults.total)),
            total_window_s=float(extra.get("input_total_window_s", defaults.total_window_s)),
        ))
        app.state.process_input_limiter = limiter
    return limiter


async def _body(request: Request, schema: Schema | None) -> dict[str, Any]:
    if schema is None:
        return {}
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ProcessError(f"the request body is over {MAX_BODY_BYTES} bytes",
                           code="body_too_large")
    if not raw.strip():
        value: Any = {}
    else:
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ProcessError("the request body is not valid JSON", code="invalid_json") from None
    check(schema, value)
    result: dict[str, Any] = value
    return result


def _endpoint(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            service = service_of(request.app)
            try:
                principal = authenticate(request)
            except TokenError as error:
                raise NotSignedIn(
                    "Sesi masuk tidak berlaku lagi; masuk kembali / your sign-in is no longer "
                    f"valid ({error.reason}); please sign in again"
                ) from None
            actor = await service.resolve(principal.actor if principal else None)
            body = await _body(request, operation.body)
            return await operation.handler(Call(request, service, actor, body))
        except ProcessError as error:
            return error_response(error)

    run.__name__ = operation.handler.__name__
    return run


def routes() -> list[BaseRoute]:
    from .openapi import openapi_endpoint

    table: list[BaseRoute] = [
        Route(op.path, _endpoint(op), methods=[op.method]) for op in OPERATIONS
    ]
    table.append(Route("/openapi.json", openapi_endpoint, methods=["GET"]))
    return table


# -- handlers: you ------------------------------------------------------------------------


async def get_me(call: Call) -> Response:
    actor = call.signed_in()
    state = await call.service.state()
    person = state.people.get(actor.person_id)
    return ok({**views.actor_json(actor), "known": person is not None})


async def sign_out(call: Call) -> Response:
    response = ok({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def accept_invitation(call: Call) -> Response:
    """Exchange a signed invitation link for the session cookie, then go to the app."""
    service = call.service
    try:
        invitation = read_invitation(service.secret_key, call.param("token"))
    except InvalidInvitation as error:
        raise ProcessError(str(error), code="invalid_invitation") from None
    state = await service.state()
    person = state.people.get(invitation.person_id)
    if person is None or not person.active or person.invitation_id != invitation.invitation_id:
        raise ProcessError(
            "Tautan undangan ini tidak berlaku lagi / this invitation link is no longer valid; "
            "ask the Secretariat for a new one", code="invalid_invitation",
        )
    org = state.organisations[person.org_id]
    token = issue_token(service.secret_key, name=person.name, org=org.name,
                        role=org.stakeholder, person_id=person.id, org_id=org.id,
                        ttl_seconds=SESSION_TTL_S)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, path="/", httponly=True,
                        samesite="lax", secure=call.request.url.scheme == "https")
    return response


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
        call.body.get("acknowledge_warnings", False),
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
        b.get("id"),
    )
    state = await call.service.state()
    return ok(views.commitment_json(state, commitment, call.actor), 201)


async def _readable_commitment(call: Call) -> tuple[Any, Any]:
    state = await call.service.state()
    commitment = call.service.commitment(state, call.param("commitment_id"))
    read = rules.can_read(state, call.actor, commitment)
    if not read.allowed:
        raise Forbidden(read.reason)
    return state, commitment


async def get_commitment(call: Call) -> Response:
    state, commitment = await _readable_commitment(call)
    return ok(views.commitment_json(state, commitment, call.actor))


async def get_document(call: Call) -> Response:
    """The commitment's text as plain data (sections as text and HTML, milestones...)."""
    from .template import read_commitment

    _, commitment = await _readable_commitment(call)
    doc = await call.service.runtime.document(commitment.document_id)
    return ok({"commitment_id": commitment.id, **read_commitment(doc).as_json()})


async def get_validation(call: Call) -> Response:
    _, commitment = await _readable_commitment(call)
    problems: list[Problem] = await call.service.validation(commitment)
    return ok({"commitment_id": commitment.id, "ok": not problems,
               "problems": [p.as_json() for p in problems]})


async def list_commitment_inputs(call: Call) -> Response:
    state, commitment = await _readable_commitment(call)
    return ok({"inputs": [views.input_json(i, call.actor, call.service.sealer)
                          for i in state.inputs_of(commitment.id)]})


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
    client = call.request.client.host if call.request.client else "unknown"
    limiter_of(call.request.app).take(client)
    target = {k: b[k] for k in ("section", "milestone") if b.get(k) is not None}
    item = await call.service.submit_input(
        call.actor, call.param("commitment_id"), b["text"], target, b.get("name") or "",
        b.get("organisation") or "", b.get("contact"),
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


# -- the table ------------------------------------------------------------------------------

_ID = string(64, nullable=False, pattern="^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_NAME = string(300, minLength=1)
SECRETARIAT = "secretariat"
SIGNED_IN = "signed in"

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/api/me", get_me, "Who you are signed in as", "you", SIGNED_IN,
              response="Me", errors=(401,)),
    Operation("POST", "/api/signout", sign_out, "Sign out: clear the session cookie", "you",
              body=obj([])),
    Operation("GET", "/invite/{token}", accept_invitation,
              "Open an invitation link: sets the session cookie and redirects to /", "you",
              status=303, errors=(400,)),
    Operation("GET", "/api/plans", list_plans,
              "Plans with their stage and the commitments you may read (with document ids)",
              "plans", response="PlanList"),
    Operation("POST", "/api/plans", create_plan, "Create a plan (it starts in Setup)", "plans",
              SECRETARIAT, obj(["title"], title=_NAME, period=string(40), id=_ID), 201, "Plan",
              (401, 403, 409, 422)),
    Operation("GET", "/api/plans/{plan_id}", get_plan, "One plan", "plans", response="Plan",
              errors=(404,)),
    Operation("GET", "/api/plans/{plan_id}/checklist", get_checklist,
              "The stage-gate checklist: warnings to review before advancing", "plans",
              "secretariat, auditor", response="Checklist", errors=(401, 403, 404)),
    Operation("POST", "/api/plans/{plan_id}/advance", advance_stage,
              "Advance to the next stage; records the open checklist warnings. from_stage must "
              "be the current stage; with warnings open, acknowledge_warnings must be true",
              "plans", SECRETARIAT,
              obj(["from_stage"], from_stage={"type": "string", "enum": [str(s) for s in Stage]},
                  acknowledge_warnings={"type": "boolean"}),
              response="Advance", errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/plans/{plan_id}/publish", publish_plan,
              "Publish commitments to the public (all of the plan's when none are named)",
              "plans", SECRETARIAT,
              obj([], commitment_ids={"type": "array", "items": string(64), "maxItems": 500}),
              response="Plan", errors=(401, 403, 404, 422)),
    Operation("GET", "/api/plans/{plan_id}/inputs", list_plan_inputs,
              "The register of public input and reasoned responses of a plan", "input",
              response="InputList", errors=(404,)),
    Operation("GET", "/api/organisations", list_organisations, "Organisations",
              "organisations", response="OrganisationList"),
    Operation("POST", "/api/organisations", create_organisation, "Register an organisation",
              "organisations", SECRETARIAT,
              obj(["name", "stakeholder"], name=_NAME,
                  stakeholder={"type": "string", "enum": [
                      str(s) for s in Stakeholder if s is not Stakeholder.SYSTEM]},
                  id=_ID),
              201, "Organisation", (401, 403, 409, 422)),
    Operation("GET", "/api/people", list_people,
              "People (contacts only for the Secretariat)", "people",
              "cso, kldi, secretariat, auditor", response="PersonList", errors=(401, 403)),
    Operation("POST", "/api/people", invite_person,
              "Invite a person: records them and returns their signed invitation link",
              "people", SECRETARIAT,
              obj(["name", "org_id"], name=_NAME, org_id=string(64),
                  contact=string(300, nullable=True), id=_ID),
              201, "Invitation", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/people/{person_id}/invitations", reissue_invitation,
              "A new invitation link for a person; their earlier links stop working", "people",
              SECRETARIAT, obj([]), 201, "InvitationLink", (401, 403, 404, 409)),
    Operation("POST", "/api/people/{person_id}/deactivate", deactivate_person,
              "Deactivate a person: their live connections lose access at once", "people",
              SECRETARIAT, obj([], reason=string(1000)), response="Person",
              errors=(401, 403, 404)),
    Operation("GET", "/api/working-groups", list_working_groups,
              "Thematic working groups with members and their joining criteria (?plan_id=)",
              "working groups", response="WorkingGroupList"),
    Operation("POST", "/api/working-groups", create_working_group,
              "Create a thematic working group", "working groups", SECRETARIAT,
              obj(["plan_id", "theme"], plan_id=string(64), theme=_NAME,
                  description=string(2000), id=_ID),
              201, "WorkingGroup", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/working-groups/{group_id}/members", add_member,
              "Add a member organisation (or one person of it) with the joining criteria met",
              "working groups", SECRETARIAT,
              obj(["org_id", "criteria"], org_id=string(64),
                  person_id=string(64, nullable=True),
                  criteria={"type": "object", "additionalProperties": False,
                            "properties": {c: string(1000) for c in CRITERIA}}),
              201, "WorkingGroup", (401, 403, 404, 422)),
    Operation("POST", "/api/commitments", create_commitment,
              "Create a commitment in a working group (creates its document)", "commitments",
              SECRETARIAT,
              obj(["plan_id", "working_group_id", "title"], plan_id=string(64),
                  working_group_id=string(64), title=_NAME, number=string(20), id=_ID),
              201, "Commitment", (401, 403, 404, 409, 422)),
    Operation("GET", "/api/commitments/{commitment_id}", get_commitment,
              "One commitment, with whether you may write its text now and why not",
              "commitments", response="Commitment", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/document", get_document,
              "The commitment's text as plain data: title, meta, sections (text and HTML), "
              "milestones, contacts", "commitments", response="Document", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/validation", get_validation,
              "The validation report of the commitment template's rules", "commitments",
              response="Validation", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/inputs", list_commitment_inputs,
              "Public input on a commitment and the responses to it", "input",
              response="InputList", errors=(403, 404)),
    Operation("POST", "/api/commitments/{commitment_id}/inputs", submit_input,
              "Give input on a commitment, a section or a milestone (Draft 4 only; no sign-in "
              "needed; the contact is kept private)", "input", "anyone but auditors",
              obj(["text"], text=string(5000, minLength=1), section={
                  "type": ["string", "null"], "enum": [*SECTIONS, None]},
                  milestone={"type": ["integer", "null"], "minimum": 1},
                  name=string(200, nullable=True), organisation=string(200, nullable=True),
                  contact=string(200, nullable=True)),
              201, "Input", (401, 403, 404, 409, 422, 429)),
    Operation("POST", "/api/inputs/{input_id}/responses", respond_to_input,
              "Record a reasoned response to an input (a reason is required)", "input",
              "secretariat, working group members",
              obj(["status", "reason"], status={"type": "string", "enum": [
                  str(s) for s in ResponseStatus]}, reason=string(5000),
                  change_position={"type": ["integer", "null"], "minimum": 1}),
              201, "Input", (401, 403, 404, 409, 422)),
    Operation("GET", "/api/sessions", list_sessions,
              "Co-creation sessions with attendance and minutes (?plan_id=)", "sessions",
              response="SessionList"),
    Operation("POST", "/api/sessions", open_session,
              "Open a session: while open, contributions of its attendees are tagged with it",
              "sessions", SECRETARIAT,
              obj(["plan_id", "method", "date", "title"], plan_id=string(64),
                  method={"type": "string", "enum": [str(m) for m in Method]},
                  date=string(10, format="date"), title=_NAME),
              201, "Session", (401, 403, 404, 422)),
    Operation("POST", "/api/sessions/{session_id}/attendance", record_attendance,
              "Record attending organisations", "sessions", SECRETARIAT,
              obj(["org_ids"], org_ids={"type": "array", "items": string(64), "minItems": 1,
                                        "maxItems": 500}),
              response="Session", errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/sessions/{session_id}/minutes", record_minutes,
              "Record the minutes", "sessions", SECRETARIAT,
              obj(["minutes"], minutes=string(50_000, minLength=1)), response="Session",
              errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/sessions/{session_id}/close", close_session, "Close a session",
              "sessions", SECRETARIAT, obj([]), response="Session",
              errors=(401, 403, 404, 409)),
)
