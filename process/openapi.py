"""The OpenAPI 3.1 document of the process API, built from the route table in ``api``."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from httpapi.openapi import PROBLEM_CONTENT, PROBLEM_SCHEMA, documented_paths

from .schema import Schema

_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(key: str, item: str) -> Schema:
    return {"type": "object", "properties": {key: {"type": "array", "items": _ref(item)}}}


def _object(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties}


ACTOR = _object(person_id=_STR, name=_STR, org_id=_STR, org_name=_STR, stakeholder=_STR)

COMPONENTS: dict[str, Schema] = {
    "Error": PROBLEM_SCHEMA,
    "Actor": ACTOR,
    "Me": {**ACTOR, "properties": {**ACTOR["properties"], "known": _BOOL}},
    "Commitment": {
        **_object(id=_STR, plan_id=_STR, working_group_id=_STR, number=_STR, title=_STR,
                  document_id={**_STR, "description": "the id used in /ws/{document_id}"},
                  published=_BOOL, can_write=_BOOL, write_refusal=_STR,
                  version={"type": ["integer", "null"], "description": (
                      "after Final: the last recorded version (Final is 1)")},
                  revision={"oneOf": [_ref("Revision"), {"type": "null"}],
                            "description": "the open revision, if any"},
                  revisions={"type": "array", "items": _ref("Revision")}),
        "required": ["id", "number", "title", "document_id"],
    },
    "Revision": _object(
        version=_INT, reason=_STR, summary=_STR, open=_BOOL, opened_by=_ref("Actor"),
        opened_at=_STR, opened_position=_INT,
        closed_by={"oneOf": [_ref("Actor"), {"type": "null"}]}, closed_at=_STR_OR_NULL,
        closed_position={"type": ["integer", "null"], "description": (
            "the version's text is the document's log before this position")},
    ),
    "Plan": _object(
        id=_STR, title=_STR, period=_STR,
        stage={"type": "string", "enum": ["setup", "draft1", "draft2", "draft3", "draft4",
                                          "final", "implementation"]},
        stage_name=_object(id=_STR, en=_STR), next_stage=_STR_OR_NULL,
        commitments={"type": "array", "items": _ref("Commitment")},
        history={"type": "array", "items": _object(
            **{"from": _STR}, to=_STR, position=_INT, at=_STR, by=_ref("Actor"),
            warnings={"type": "array", "items": _ref("Warning")},
            objection_reason={**_STR, "description": "why the Secretariat advanced over "
                              "objections (empty when there were none)"})},
        consultation={"oneOf": [{"type": "null"}, _object(
            opens=_STR, closes=_STR, announced_at=_STR,
            state={"type": "string", "enum": ["upcoming", "open", "closed"]})],
            "description": "the public consultation's announced window, if any"},
        implementation={"oneOf": [{"type": "null"}, _object(
            opened_at=_STR, opened_by=_ref("Actor"), position=_INT)],
            "description": "when implementation was opened, once it is"},
    ),
    "PlanList": _list("plans", "Plan"),
    "Author": _object(person_id=_STR, name=_STR, organisation=_STR, org_id=_STR,
                      stakeholder=_STR),
    "Created": _object(id=_STR),
    "May": _object(comment=_BOOL, suggest=_BOOL, decide=_BOOL),
    "Comment": _object(
        id=_STR, section=_STR, quote=_STR, body=_STR,
        status={"type": "string", "enum": ["open", "resolved"]},
        on_deleted_text={**_BOOL, "description": "every character it quoted was deleted"},
        author=_ref("Author"), created_at=_STR, edited_at=_STR_OR_NULL, stage=_STR_OR_NULL,
        session_id=_STR_OR_NULL, position=_INT,
        mentions={"type": "array", "items": _object(kind=_STR, id=_STR, name=_STR)},
        replies={"type": "array", "items": _object(
            id=_STR, author=_ref("Author"), body=_STR, created_at=_STR,
            edited_at=_STR_OR_NULL)}),
    "CommentList": _object(comments={"type": "array", "items": _ref("Comment")},
                           may=_ref("May")),
    "Suggestion": _object(
        id=_STR, section=_STR, quote=_STR, replacement=_STR, reason=_STR,
        status={"type": "string", "enum": ["open", "accepted", "rejected"]},
        stale={**_BOOL, "description": "the text it changes is no longer its quote"},
        author=_ref("Author"), created_at=_STR, stage=_STR_OR_NULL, session_id=_STR_OR_NULL,
        position=_INT, decider={"oneOf": [_ref("Author"), {"type": "null"}]},
        decision={"oneOf": [_object(decision=_STR, reason=_STR, at=_STR, position=_INT,
                                    client_id={"type": ["integer", "null"]},
                                    clock={"type": ["array", "null"]},
                                    update_position={"type": ["integer", "null"]}),
                            {"type": "null"}]}),
    "SuggestionList": _object(suggestions={"type": "array", "items": _ref("Suggestion")},
                              may=_ref("May")),
    "Decision": _object(id=_STR, decision=_STR, reason=_STR,
                        client_id={"type": ["integer", "null"], "description": (
                            "the Yjs client id of the accepted text")},
                        clock={"type": ["array", "null"], "description": "[first, after last]"},
                        update_position={"type": ["integer", "null"]}),
    "Decisions": _object(decided={"type": "array", "items": _STR},
                         skipped={"type": "array", "items": _object(id=_STR, code=_STR,
                                                                    reason=_STR)}),

    "Warning": _object(code=_STR, message_id=_STR, message_en=_STR, commitment_id=_STR,
                       where=_STR, blocking={**_BOOL, "description": (
                           "the template's rule (e.g. at most 5 milestones): the stage "
                           "cannot advance until it is fixed, acknowledged or not")}),
    "Checklist": _object(plan_id=_STR, **{"from": _STR}, to=_STR_OR_NULL,
                         warnings={"type": "array", "items": _ref("Warning")},
                         signoffs=_ref("GateReport")),
    "Advance": _object(plan=_ref("Plan"), checklist=_ref("Checklist")),
    "Organisation": _object(id=_STR, name=_STR, stakeholder=_STR),
    "OrganisationList": _list("organisations", "Organisation"),
    "Person": _object(id=_STR, name=_STR, org_id=_STR, org_name=_STR, stakeholder=_STR,
                      active=_BOOL, contact={**_STR_OR_NULL,
                                             "description": "only for the Secretariat"}),
    "PersonList": _list("people", "Person"),
    "InvitationLink": _object(invitation_path=_STR, invitation_url=_STR),
    "Invitation": _object(person=_ref("Person"), invitation_path=_STR, invitation_url=_STR),
    "WorkingGroup": _object(
        id=_STR, plan_id=_STR, theme=_STR, description=_STR,
        members={"type": "array", "items": _object(
            org_id=_STR, org_name=_STR, person_id=_STR_OR_NULL, added_at=_STR,
            criteria=_object(focus=_STR, research=_STR, plans=_STR, experts=_STR))},
        commitment_ids={"type": "array", "items": _STR},
    ),
    "WorkingGroupList": _list("working_groups", "WorkingGroup"),
    "Session": _object(
        id=_STR, plan_id=_STR, method={"type": "string", "enum": ["FD", "IW", "TC", "PC",
                                                                   "PCD"]},
        date=_STR, title=_STR, open=_BOOL, minutes=_STR, opened_position=_INT,
        closed_position={"type": ["integer", "null"]},
        attendance={"type": "array", "items": _object(org_id=_STR, org_name=_STR)},
    ),
    "SessionList": _list("sessions", "Session"),
    "Input": _object(
        id=_STR, plan_id=_STR, commitment_id=_STR,
        target=_object(section=_STR, milestone=_INT), text=_STR, name=_STR,
        organisation=_STR, submitted_at=_STR, position=_INT, session_id=_STR_OR_NULL,
        status={"type": "string", "enum": ["open", "accepted", "partly", "not_accepted",
                                           "out_of_scope"]},
        responses={"type": "array", "items": _object(
            status=_STR, reason=_STR, change_position={"type": ["integer", "null"]},
            by=_ref("Actor"), at=_STR, position=_INT)},
        contact={**_STR_OR_NULL, "description": "only for the Secretariat"},
        publish_name={**_BOOL, "description": "consent to publish the name; without it "
                      "others see Anonim"},
        channel={"type": "string", "enum": ["online", "face_to_face"]},
        hidden={"oneOf": [{"type": "null"}, _object(reason=_STR, by=_ref("Actor"), at=_STR,
                                                      position=_INT)],
                "description": "hidden by the Secretariat: others see no text"},
    ),
    "InputList": _list("inputs", "Input"),
    "Document": _object(
        commitment_id=_STR, title=_STR, meta={"type": "object"},
        sections={"type": "object", "additionalProperties": _object(text=_STR, html=_STR)},
        milestones={"type": "array", "items": {"type": "object"}},
        contacts={"type": "object"},
    ),
    "Template": _object(
        roots={"type": "object", "additionalProperties": _STR},
        server_roots={"type": "object", "additionalProperties": _STR, "description": (
            "roots only the server writes (review: comments and suggestions)")},
        review_client_id={**_INT, "description": "the Yjs client id of every review item"},
        sections={"type": "array", "items": _object(
            name=_STR, letter=_STR, heading_id=_STR, heading_en=_STR, question_id=_STR,
            question_en=_STR)},
        meta_keys={"type": "array", "items": _STR},
        milestone_keys={"type": "array", "items": _STR},
        contact_keys={"type": "array", "items": _STR},
        ogp_values={"type": "array", "items": _STR}, max_milestones=_INT,
        labels={"type": "object", "description": "field labels keyed root.key (or title), "
                "each {id, en}", "additionalProperties": _object(id=_STR, en=_STR)},
        groups={"type": "object", "description": "headings of the template's parts, each "
                "{id, en}", "additionalProperties": _object(id=_STR, en=_STR)},
    ),
    "Progress": _object(
        commitment_id=_STR,
        reports={"type": "array", "items": _ref("ProgressReport")},
        evidence={"type": "array", "items": _ref("Evidence")},
        milestones={"type": "array", "items": _object(
            milestone={**_INT, "description": "numbered from 1"},
            status=_STR_OR_NULL, period=_STR_OR_NULL, report_id=_STR_OR_NULL)},
    ),
    "ProgressReport": _object(
        id=_STR, commitment_id=_STR, kind={"type": "string", "enum": ["progress", "monitoring"]},
        milestone={"type": ["integer", "null"]},
        status={"type": ["string", "null"], "enum": [
            "not_started", "limited", "substantial", "complete", "withdrawn", None]},
        note=_STR, period=_STR, by=_ref("Actor"), at=_STR, position=_INT, on_behalf=_BOOL,
        on_behalf_of={**_STR_OR_NULL, "description": "the lead agency the Secretariat "
                      "reported for"},
        disputes={**_STR_OR_NULL, "description": "the progress report a monitoring note "
                  "disputes"},
        evidence={"type": "array", "items": _STR, "description": "SHA-256 of evidence files"},
        links={"type": "array", "items": _STR},
    ),
    "Evidence": _object(
        sha256=_STR, filename=_STR, content_type=_STR, size=_INT, by=_ref("Actor"), at=_STR,
        position=_INT, url={**_STR, "description": "where to download it"},
    ),
    "SignOff": _object(
        commitment_id={**_STR_OR_NULL, "description": "null: a forum member's sign-off of the "
                       "plan"},
        position={"type": "string", "enum": ["agree", "agree_with_reservations", "object"]},
        text=_STR, stage=_STR, by=_ref("Actor"), org_id=_STR, org_name=_STR,
        on_behalf={**_BOOL, "description": "recorded by the Secretariat for the lead agency"},
        at=_STR, log_position=_INT, session_id=_STR_OR_NULL,
        current={**_BOOL, "description": "false: superseded by the same person's later "
                 "sign-off (all stay on the record)"},
    ),
    "GateItem": _object(code=_STR, message_id=_STR, message_en=_STR, commitment_id=_STR,
                        org_id=_STR),
    "ForumTally": _object(members=_INT, signed=_INT, agree=_INT, government_agree=_INT,
                          civil_society_agree=_INT, approved=_BOOL,
                          rule=_object(min_government=_INT, min_civil_society=_INT)),
    "GateReport": _object(
        required={"type": "array", "items": {"type": "string", "enum": ["lead_agency",
                                                                         "forum"]}},
        ready={**_BOOL, "description": "every required sign-off is there"},
        done={"type": "array", "items": _ref("GateItem")},
        missing={"type": "array", "items": _ref("GateItem")},
        objections={"type": "array", "items": _ref("SignOff")},
        reservations={"type": "array", "items": _ref("SignOff")},
        forum={"oneOf": [_ref("ForumTally"), {"type": "null"}]},
    ),
    "Gates": _object(
        plan_id=_STR,
        gates={"type": "object", "description": "stage -> sign-offs required before leaving "
               "it", "additionalProperties": {"type": "array", "items": _STR}},
        forum_rule=_object(min_government=_INT, min_civil_society=_INT),
        lead_organisations={"type": "object", "description": "commitment id -> the org ids "
                            "of its lead agencies", "additionalProperties": {
                                "type": "array", "items": _STR}},
    ),
    "Forum": _object(
        plan_id=_STR,
        members={"type": "array", "items": _object(
            person_id=_STR, name=_STR, org_id=_STR, org_name=_STR, stakeholder=_STR,
            added_at=_STR, added_by=_ref("Actor"))},
        removed={"type": "array", "items": _object(person_id=_STR, reason=_STR, at=_STR,
                                                   by=_ref("Actor"))},
        gates=_ref("Gates"),
    ),
    "CommitmentSignOffs": _object(
        commitment_id=_STR, stage=_STR, required=_BOOL, may_sign=_BOOL,
        lead_organisations={"type": "array", "items": _object(org_id=_STR, org_name=_STR)},
        missing={"type": "array", "items": _ref("GateItem")},
        signoffs={"type": "array", "items": _ref("SignOff")},
    ),
    "PlanSignOffs": _object(
        plan_id=_STR, stage=_STR, required=_BOOL, may_sign=_BOOL,
        forum={"oneOf": [_ref("ForumTally"), {"type": "null"}]},
        signoffs={"type": "array", "items": _ref("SignOff")},
    ),
    "Validation": _object(
        commitment_id=_STR, ok=_BOOL,
        problems={"type": "array", "items": _object(code=_STR, where=_STR, message_id=_STR,
                                                    message_en=_STR)},
    ),
}

_PATH_TYPES: dict[str, Schema] = {"version": {"type": "integer", "minimum": 2},
                                  "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}

_ERROR_TEXT = {
    400: "Bad request (malformed JSON; an invalid_invitation, expired_invitation or "
         "used_invitation to a client that asked for JSON)",
    401: "Not signed in, or the sign-in is no longer valid (session_ended: signed out, a new "
         "invitation link; deactivated)",
    403: "Not allowed for you (the message says why); cross_site_request: signed in by the "
         "session cookie but not sent from a page of this site",
    415: "json_required: signed in by the session cookie, the body must be application/json",
    404: "Unknown id",
    409: "Not at this stage (implementation not open, outside the consultation window: the "
         "message says why), or changed by someone else at the same time",
    413: "The body (or an evidence file) is over its limit",
    422: "A field is missing or has the wrong type or value",
    429: "Too much public input; see Retry-After",
}


def build_document() -> dict[str, Any]:
    from .api import OPERATIONS

    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = [
            {"name": name, "in": "path", "required": True,
             "schema": _PATH_TYPES.get(name, {"type": "string"})}
            for name in re.findall(r"{(\w+)}", op.path)
        ]
        if op.path in ("/api/working-groups", "/api/sessions") and op.method == "GET":
            parameters.append({"name": "plan_id", "in": "query", "required": False,
                               "schema": {"type": "string"}})
        success: dict[str, Any] = {"description": "OK" if op.status < 300 else "Redirect"}
        if op.status == 303:
            success["headers"] = {"Location": {"schema": {"type": "string"}}}
        if op.response:
            success["content"] = {"application/json": {"schema": _ref(op.response)}}
        responses: dict[str, Any] = {str(op.status): success}
        # The cookie-write guard (server.security) answers for every write under /api/.
        guarded = (403, 415) if op.method != "GET" and op.path.startswith("/api/") else ()
        for code in sorted({*op.errors, *guarded, 422 if op.body else 0, 503} - {0}):
            responses[str(code)] = {
                "description": _ERROR_TEXT.get(code, "The event log is unavailable"),
                "content": PROBLEM_CONTENT,
            }
        entry: dict[str, Any] = {
            "operationId": op.handler.__name__,
            "summary": op.summary,
            "description": f"Who may call it: {op.who}.",
            "tags": [op.tag],
            "parameters": parameters,
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": bool(op.body.get("required")),
                "content": {"application/json": {"schema": op.body}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document", "tags": ["meta"],
        "responses": {"200": {"description": "OK"}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kokreasi process API",
            "version": "1",
            "description": (
                "The co-creation process of an Open Government National Action Plan: plans "
                "and stages, organisations, people and invitations, thematic working groups, "
                "commitments, sessions, public input and reasoned responses, validation "
                "reports. Sign in with `Authorization: Bearer TOKEN` (see `kokreasi token`) or "
                "the `kokreasi_session` cookie an invitation link sets. Commitment text is "
                "edited live over `ws://HOST/ws/{document_id}` (y-websocket protocol)."
            ),
        },
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "kokreasi_session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}, {}],
        "paths": paths,
    }


async def openapi_endpoint(request: Request) -> Response:
    document = build_document()
    document["paths"].update(documented_paths(request.app.routes))
    return JSONResponse(document)
