"""The JSON HTTP API of the co-creation process, under ``/api/``.

``OPERATIONS`` is the route table: each entry names its method, path, handler, request body
schema and documentation, so the routes, the body checks and ``/openapi.json`` come from one
place and cannot drift apart. Handlers are thin: the service checks permissions and state.

Errors are RFC 9457 problems (``httpapi.problems``: ``code`` and ``detail``, also as ``error``
and ``message``) with 401 (not signed in), 403 (not
allowed), 404 (unknown id), 409 (wrong stage, concurrent change), 422 (wrong or missing
field), 429 (too much public input) or 503 (log unavailable). A refused request appends
nothing to the log.

Why this is one long module: it is the one table of the process's routes, one entry per
route with its schema and documentation; splitting it would scatter what must be read
together (the whole API surface) without making any entry shorter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from commitment.template import SECTIONS
from events.record import Actor, Stakeholder
from identity.access import SignInRefused
from identity.auth import current_actor

from . import cycle_handlers as ch
from . import forum_handlers as fh
from . import handlers as h
from . import signin
from .domain import CRITERIA, Method, ProgressStatus, ReportKind, ResponseStatus, Stage
from .errors import Forbidden, NotSignedIn, ProcessError, Unavailable
from .http import MAX_BODY_BYTES, Call, Handler, error_response, read_body, service_of
from .schema import Schema, obj, string


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
    # Signing in or out: a bad or ended token in the request counts as none, so a browser
    # whose session ended can still sign out, or in again with a new link.
    any_token: bool = False
    max_body: int = MAX_BODY_BYTES  # a larger body is refused (413) before it is parsed


def _endpoint(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            service = service_of(request.app)
            actor = await _caller(request, operation)
            _authorise(operation, actor)  # who may call it, before what they sent is read
            body = await read_body(request, operation.body, operation.max_body)
            return await operation.handler(Call(request, service, actor, body))
        except ProcessError as error:
            return error_response(error)

    run.__name__ = operation.handler.__name__
    return run


def _authorise(operation: Operation, actor: Actor | None) -> None:
    """Refuse a caller the operation is not for before its body is checked, so a refusal
    never depends on what was sent; finer rules (working groups, stages) stay with the
    service."""
    if operation.who.startswith("anyone") or operation.any_token:  # e.g. anonymous input
        return
    if actor is None:
        raise NotSignedIn("Silakan masuk terlebih dahulu / please sign in first")
    if operation.who == SECRETARIAT and actor.stakeholder is not Stakeholder.SECRETARIAT:
        raise Forbidden("Hanya Sekretariat yang boleh melakukan ini / only the Secretariat may "
                        "do this")


async def _caller(request: Request, operation: Operation) -> Actor | None:
    """The caller as the registry knows them now, or None when not signed in."""
    try:
        return await current_actor(request)
    except SignInRefused as refused:
        if refused.status == 503:
            raise Unavailable(refused.message, code=refused.code) from None
        if operation.any_token:  # signing in or out: an ended or bad session counts as none
            return None
        raise NotSignedIn(refused.message, code=refused.code) from None


def routes() -> list[BaseRoute]:
    from .openapi import openapi_endpoint

    table: list[BaseRoute] = [
        Route(op.path, _endpoint(op), methods=[op.method]) for op in OPERATIONS
    ]
    table.append(Route("/openapi.json", openapi_endpoint, methods=["GET"]))
    return table


# -- the table ------------------------------------------------------------------------------

_ID = string(64, nullable=False, pattern="^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_NAME = string(300, minLength=1)
SECRETARIAT = "secretariat"
SIGNED_IN = "signed in"

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/api/me", h.get_me, "Who you are signed in as", "you", SIGNED_IN,
              response="Me", errors=(401,)),
    Operation("POST", "/api/signout", signin.sign_out,
              "Sign out: ends every session of the caller, on every device and instance, and "
              "clears the session cookie (with the cookie: JSON and this site's Origin only)",
              "you", body=obj([]), any_token=True),
    Operation("GET", "/invite/{token}", signin.open_invitation,
              "Open an invitation link (usable once): sets the session cookie and redirects "
              "(303) to /. A browser that another site sent here (Sec-Fetch-Site: cross-site "
              "or same-site, a foreign Origin) or that does not say (no Sec-Fetch-Site) is "
              "redirected (303) to the confirmation on /signin#invitation={token} instead, "
              "without using the link. A link that no longer works redirects (303) to "
              "/signin?error=invalid_invitation (or expired_invitation, used_invitation); with "
              "Accept: application/json it is a 400 instead", "you", status=303, errors=(400,),
              any_token=True),
    Operation("POST", "/invite/{token}", signin.confirm_invitation,
              "Confirm signing in with an invitation link, from the sign-in page: as GET, but "
              "a request from another site's page (a foreign Origin) is redirected to the "
              "confirmation, or refused (403 cross_site_signin) with Accept: application/json",
              "you", status=303, errors=(400, 403), any_token=True),
    Operation("GET", "/api/plans", h.list_plans,
              "Plans with their stage and the commitments you may read (with document ids)",
              "plans", response="PlanList"),
    Operation("POST", "/api/plans", h.create_plan, "Create a plan (it starts in Setup)", "plans",
              SECRETARIAT, obj(["title"], title=_NAME, period=string(40), id=_ID), 201, "Plan",
              (401, 403, 409, 422)),
    Operation("GET", "/api/plans/{plan_id}", h.get_plan, "One plan", "plans", response="Plan",
              errors=(404,)),
    Operation("GET", "/api/plans/{plan_id}/checklist", h.get_checklist,
              "The stage-gate checklist: warnings to review before advancing", "plans",
              "secretariat, auditor", response="Checklist", errors=(401, 403, 404)),
    Operation("POST", "/api/plans/{plan_id}/advance", h.advance_stage,
              "Advance to the next stage; records the open checklist warnings. from_stage must "
              "be the current stage; with warnings open, acknowledge_warnings must be true; a "
              "blocking warning (more than 5 milestones) refuses it: 409 checklist_blocked; "
              "with sign-offs the gate requires missing it is refused (409 signoffs_missing, "
              "the reason lists them); over an objection, objection_reason is required (409 "
              "objection_needs_reason) and recorded",
              "plans", SECRETARIAT,
              obj(["from_stage"], from_stage={"type": "string", "enum": [str(s) for s in Stage]},
                  acknowledge_warnings={"type": "boolean"},
                  objection_reason=string(5000, nullable=True)),
              response="Advance", errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/plans/{plan_id}/publish", h.publish_plan,
              "Publish commitments to the public (all of the plan's when none are named)",
              "plans", SECRETARIAT,
              obj([], commitment_ids={"type": "array", "items": string(64), "maxItems": 500}),
              response="Plan", errors=(401, 403, 404, 422)),
    Operation("GET", "/api/plans/{plan_id}/inputs", h.list_plan_inputs,
              "The register of public input and reasoned responses of a plan", "input",
              response="InputList", errors=(404,)),
    Operation("GET", "/api/organisations", h.list_organisations, "Organisations",
              "organisations", response="OrganisationList"),
    Operation("POST", "/api/organisations", h.create_organisation, "Register an organisation",
              "organisations", SECRETARIAT,
              obj(["name", "stakeholder"], name=_NAME,
                  stakeholder={"type": "string", "enum": [
                      str(s) for s in Stakeholder if s is not Stakeholder.SYSTEM]},
                  id=_ID),
              201, "Organisation", (401, 403, 409, 422)),
    Operation("GET", "/api/people", h.list_people,
              "People (contacts only for the Secretariat)", "people",
              "cso, kldi, secretariat, auditor", response="PersonList", errors=(401, 403)),
    Operation("POST", "/api/people", h.invite_person,
              "Invite a person: records them and returns their signed invitation link",
              "people", SECRETARIAT,
              obj(["name", "org_id"], name=_NAME, org_id=string(64),
                  contact=string(300, nullable=True), id=_ID),
              201, "Invitation", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/people/{person_id}/invitations", h.reissue_invitation,
              "A new invitation link for a person; their earlier links stop working", "people",
              SECRETARIAT, obj([]), 201, "InvitationLink", (401, 403, 404, 409)),
    Operation("POST", "/api/people/{person_id}/deactivate", h.deactivate_person,
              "Deactivate a person: their live connections lose access at once", "people",
              SECRETARIAT, obj([], reason=string(1000)), response="Person",
              errors=(401, 403, 404)),
    Operation("GET", "/api/working-groups", h.list_working_groups,
              "Thematic working groups with members and their joining criteria (?plan_id=)",
              "working groups", response="WorkingGroupList"),
    Operation("POST", "/api/working-groups", h.create_working_group,
              "Create a thematic working group", "working groups", SECRETARIAT,
              obj(["plan_id", "theme"], plan_id=string(64), theme=_NAME,
                  description=string(2000), id=_ID),
              201, "WorkingGroup", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/working-groups/{group_id}/members", h.add_member,
              "Add a member organisation (or one person of it) with the joining criteria met",
              "working groups", SECRETARIAT,
              obj(["org_id", "criteria"], org_id=string(64),
                  person_id=string(64, nullable=True),
                  criteria={"type": "object", "additionalProperties": False,
                            "properties": {c: string(1000) for c in CRITERIA}}),
              201, "WorkingGroup", (401, 403, 404, 422)),
    Operation("POST", "/api/commitments", h.create_commitment,
              "Create a commitment in a working group; its document starts with the title and "
              "meta (number, and the dates and lead agency if given)", "commitments",
              SECRETARIAT,
              obj(["plan_id", "working_group_id", "title"], plan_id=string(64),
                  working_group_id=string(64), title=_NAME, number=string(20), id=_ID,
                  start_date=string(10, format="date"), end_date=string(10, format="date"),
                  lead_agency=string(300)),
              201, "Commitment", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/commitments/{commitment_id}/revisions", h.open_revision,
              "Reopen a commitment of a final plan for a change (a reason is required): its "
              "authors (as in Draft 4) edit it until the revision is closed", "commitments",
              SECRETARIAT, obj(["reason"], reason=string(5000, minLength=1)), 201,
              "Commitment", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/commitments/{commitment_id}/revisions/{version}/close",
              h.close_revision,
              "Close the open revision: the text is frozen again and recorded as this version "
              "(the log before the closing event)", "commitments", SECRETARIAT,
              obj([], summary=string(5000)), response="Commitment",
              errors=(401, 403, 404, 409, 422)),
    Operation("GET", "/api/template", h.get_template,
              "The commitment document layout (Yjs root names) and the guidance questions A-G "
              "in Indonesian and English", "commitments", response="Template"),
    Operation("GET", "/api/commitments/{commitment_id}", h.get_commitment,
              "One commitment, with whether you may write its text now and why not",
              "commitments", response="Commitment", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/document", h.get_document,
              "The commitment's text as plain data: title, meta, sections (text and HTML), "
              "milestones, contacts", "commitments", response="Document", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/validation", h.get_validation,
              "The validation report of the commitment template's rules", "commitments",
              response="Validation", errors=(403, 404)),
    Operation("GET", "/api/commitments/{commitment_id}/inputs", h.list_commitment_inputs,
              "Public input on a commitment and the responses to it", "input",
              response="InputList", errors=(403, 404)),
    Operation("POST", "/api/commitments/{commitment_id}/inputs", h.submit_input,
              "Give input on a commitment, a section or a milestone (Draft 4 only, and inside "
              "the consultation window when one is announced: otherwise 409 "
              "consultation_not_open / consultation_closed with the dates; no sign-in needed; "
              "the contact is kept private; the name is published only with publish_name)",
              "input", "anyone but auditors",
              obj(["text"], text=string(5000, minLength=1), section={
                  "type": ["string", "null"], "enum": [*SECTIONS, None]},
                  milestone={"type": ["integer", "null"], "minimum": 1},
                  name=string(200, nullable=True), organisation=string(200, nullable=True),
                  contact=string(200, nullable=True),
                  publish_name={"type": "boolean", "description": (
                      "whether the register may show the name (default false: Anonim)")}),
              201, "Input", (401, 403, 404, 409, 422, 429)),
    Operation("POST", "/api/inputs/{input_id}/responses", h.respond_to_input,
              "Record a reasoned response to an input (a reason is required); also after Final, "
              "so the register can be completed", "input",
              "secretariat, working group members",
              obj(["status", "reason"], status={"type": "string", "enum": [
                  str(s) for s in ResponseStatus]}, reason=string(5000),
                  change_position={"type": ["integer", "null"], "minimum": 1}),
              201, "Input", (401, 403, 404, 409, 422)),
    Operation("GET", "/api/sessions", h.list_sessions,
              "Co-creation sessions with attendance and minutes (?plan_id=)", "sessions",
              response="SessionList"),
    Operation("POST", "/api/sessions", h.open_session,
              "Open a session: while open, contributions of its attendees are tagged with it",
              "sessions", SECRETARIAT,
              obj(["plan_id", "method", "date", "title"], plan_id=string(64),
                  method={"type": "string", "enum": [str(m) for m in Method]},
                  date=string(10, format="date"), title=_NAME),
              201, "Session", (401, 403, 404, 422)),
    Operation("POST", "/api/sessions/{session_id}/attendance", h.record_attendance,
              "Record attending organisations", "sessions", SECRETARIAT,
              obj(["org_ids"], org_ids={"type": "array", "items": string(64), "minItems": 1,
                                        "maxItems": 500}),
              response="Session", errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/sessions/{session_id}/minutes", h.record_minutes,
              "Record the minutes", "sessions", SECRETARIAT,
              obj(["minutes"], minutes=string(50_000, minLength=1)), response="Session",
              errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/sessions/{session_id}/close", h.close_session, "Close a session",
              "sessions", SECRETARIAT, obj([]), response="Session",
              errors=(401, 403, 404, 409)),
    Operation("POST", "/api/plans/{plan_id}/consultation", ch.schedule_consultation,
              "Announce the public consultation's window: input is accepted from opens until "
              "closes (ISO-8601 with an offset); before Final", "input", SECRETARIAT,
              obj(["opens", "closes"], opens=string(40, format="date-time"),
                  closes=string(40, format="date-time")),
              response="Plan", errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/inputs/{input_id}/hide", ch.hide_input,
              "Hide an abusive input from the register, with a reason (recorded; never "
              "deleted: the audit bundle keeps its record hash)", "input", SECRETARIAT,
              obj(["reason"], reason=string(5000, minLength=1)), response="Input",
              errors=(401, 403, 404, 409, 422)),
    Operation("POST", "/api/plans/{plan_id}/inputs", ch.enter_inputs,
              "Enter input gathered at a face-to-face consultation (a PC session of the plan, "
              "Draft 4), tagged with that session: a list of inputs, or csv, the text of a CSV "
              "file with a header row naming commitment (id or number), text, and optionally "
              "section, milestone, name, organisation, publish_name. Every row is checked "
              "before any is recorded; at most 500", "input", SECRETARIAT,
              obj(["session_id"], session_id=string(64),
                  inputs={"type": "array", "maxItems": 500, "items": obj(
                      ["commitment", "text"], commitment=string(64), text=string(5000),
                      section={"type": ["string", "null"], "enum": [*SECTIONS, None]},
                      milestone={"type": ["integer", "null"], "minimum": 1},
                      name=string(200, nullable=True),
                      organisation=string(200, nullable=True),
                      publish_name={"type": "boolean"})},
                  csv=string(1_000_000)),
              201, "InputList", (401, 403, 404, 409, 413, 422), max_body=1_100_000),
    Operation("POST", "/api/plans/{plan_id}/implementation", ch.open_implementation,
              "Open the implementation period of a final plan (stage implementation): the "
              "lead agencies report progress, civil society monitors; revisions go on",
              "implementation", SECRETARIAT, obj([]), response="Plan",
              errors=(401, 403, 404, 409)),
    Operation("GET", "/api/commitments/{commitment_id}/progress", ch.list_progress,
              "Progress reports and monitoring notes of a commitment (author and time), its "
              "evidence files, and the latest status of each milestone (numbered from 1)",
              "implementation", response="Progress", errors=(403, 404)),
    Operation("POST", "/api/commitments/{commitment_id}/progress", ch.report_progress,
              "Report progress on a milestone during implementation (kind progress: a "
              "member of the lead agency, i.e. a K/L/D/I of the working group, or the "
              "Secretariat on its behalf, marked as such), or add a monitoring note (kind "
              "monitoring: a CSO of the working group; no status; disputes names a progress "
              "report it disputes, note gives the reasons). evidence: SHA-256 of files "
              "uploaded first; links: http(s) addresses. Before implementation: 409",
              "implementation", "lead agency, secretariat, working-group CSOs (monitoring)",
              obj([], kind={"type": "string", "enum": [str(k) for k in ReportKind]},
                  milestone={"type": ["integer", "null"], "minimum": 1},
                  status={"type": ["string", "null"],
                          "enum": [*(str(s) for s in ProgressStatus), None]},
                  note=string(5000), period=string(100),
                  on_behalf_of=string(64, nullable=True),
                  disputes=string(64, nullable=True),
                  evidence={"type": "array", "maxItems": 20,
                            "items": string(64, pattern="^[0-9a-f]{64}$")},
                  links={"type": "array", "maxItems": 10, "items": string(2000)}),
              201, "ProgressReport", (401, 403, 404, 409, 422)),
    Operation("POST", "/api/commitments/{commitment_id}/evidence", ch.upload_evidence,
              "Upload an evidence file (JSON: filename, content_type, content_base64; at most "
              "10 MB once decoded; PDF, PNG, JPEG, text, CSV, DOCX, XLSX, ODT, ODS). It is "
              "stored under its SHA-256 outside the log; the log records the hash and "
              "metadata. The same file again answers with its first record. Who: as for "
              "progress reports and monitoring notes, during implementation",
              "implementation", "lead agency, secretariat, working-group CSOs",
              obj(["filename", "content_type", "content_base64"], filename=string(300),
                  content_type=string(200), content_base64=string(14_000_000)),
              201, "Evidence", (401, 403, 404, 409, 413, 422), max_body=14_100_000),
    Operation("GET", "/api/commitments/{commitment_id}/evidence/{sha256}",
              ch.download_evidence,
              "An evidence file, as uploaded (for whoever reads the commitment)",
              "implementation", errors=(403, 404)),
    Operation("GET", "/api/plans/{plan_id}/forum", fh.get_forum,
              "The plan's multi-stakeholder forum: members, removals with reasons, gate rules",
              "forum", "cso, kldi, secretariat, auditor", response="Forum",
              errors=(401, 403, 404)),
    Operation("POST", "/api/plans/{plan_id}/forum", fh.add_forum_member,
              "Add a registered person from government or civil society to the forum",
              "forum", SECRETARIAT, obj(["person_id"], person_id=string(64)), 201, "Forum",
              (401, 403, 404, 409, 422)),
    Operation("POST", "/api/plans/{plan_id}/forum/{person_id}/removal",
              fh.remove_forum_member,
              "Remove a member from the forum (a reason is required); their sign-offs stay on "
              "the record", "forum", SECRETARIAT, obj(["reason"], reason=string(5000)),
              response="Forum", errors=(401, 403, 404, 409, 422)),
    Operation("GET", "/api/plans/{plan_id}/gates", fh.get_gates,
              "The plan's gate rules: sign-offs required before leaving each stage, the "
              "forum's approval rule, each commitment's lead organisations", "forum",
              "cso, kldi, secretariat, auditor", response="Gates", errors=(401, 403, 404)),
    Operation("PUT", "/api/plans/{plan_id}/gates", fh.set_gates,
              "Set the gate rules: for each stage, the sign-offs required before leaving it "
              "(lead_agency: each commitment's lead agency; forum: the forum approves the "
              "plan); stages not named require none. forum_rule: the forum approves when more "
              "than half of its members agree, with at least min_government and "
              "min_civil_society of them agreeing", "forum", SECRETARIAT,
              obj([], **{str(s): {"type": "array", "maxItems": 2, "items": {
                  "type": "string", "enum": ["lead_agency", "forum"]}}
                  for s in Stage if s is not Stage.FINAL},
                  forum_rule=obj([], min_government={"type": "integer", "minimum": 0},
                                 min_civil_society={"type": "integer", "minimum": 0})),
              response="Gates", errors=(401, 403, 404, 409, 422)),
    Operation("PUT", "/api/commitments/{commitment_id}/lead-organisations",
              fh.set_lead_organisations,
              "Name the K/L/D/I leading a commitment: whose sign-off a lead_agency gate "
              "requires", "forum", SECRETARIAT,
              obj(["org_ids"], org_ids={"type": "array", "items": string(64),
                                        "maxItems": 50}),
              response="Gates", errors=(401, 403, 404, 409, 422)),
    Operation("GET", "/api/commitments/{commitment_id}/signoffs",
              fh.list_commitment_signoffs,
              "The lead agencies' sign-offs of a commitment (every one on the record; current "
              "marks each person's latest), whether you may sign now, what is missing",
              "forum", "cso, kldi, secretariat, auditor", response="CommitmentSignOffs",
              errors=(401, 403, 404)),
    Operation("POST", "/api/commitments/{commitment_id}/signoffs", fh.sign_off_commitment,
              "Sign off a commitment at a lead_agency gate: a member of its lead agency, or "
              "the Secretariat on its behalf (on_behalf_of, marked as such). text is required "
              "for agree_with_reservations and object", "forum",
              "lead agency members, secretariat",
              obj(["position"], position={"type": "string", "enum": [
                  "agree", "agree_with_reservations", "object"]}, text=string(5000),
                  on_behalf_of=string(64, nullable=True)),
              201, "SignOff", (401, 403, 404, 409, 422)),
    Operation("GET", "/api/plans/{plan_id}/signoffs", fh.list_plan_signoffs,
              "The forum's sign-offs of the plan, the tally, whether you may sign now",
              "forum", "cso, kldi, secretariat, auditor", response="PlanSignOffs",
              errors=(401, 403, 404)),
    Operation("POST", "/api/plans/{plan_id}/signoffs", fh.sign_off_plan,
              "Sign off the plan at a forum gate (forum members). text is required for "
              "agree_with_reservations and object", "forum", "forum members",
              obj(["position"], position={"type": "string", "enum": [
                  "agree", "agree_with_reservations", "object"]}, text=string(5000)),
              201, "SignOff", (401, 403, 404, 409, 422)),
)


# The negotiation's routes are entries of this table too (they need ``Operation`` above).
from .negotiation.routes import OPERATIONS as _NEGOTIATION  # noqa: E402

OPERATIONS = OPERATIONS + _NEGOTIATION
