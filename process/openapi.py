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
                                          "final"]},
        stage_name=_object(id=_STR, en=_STR), next_stage=_STR_OR_NULL,
        commitments={"type": "array", "items": _ref("Commitment")},
        history={"type": "array", "items": _object(
            **{"from": _STR}, to=_STR, position=_INT, at=_STR, by=_ref("Actor"),
            warnings={"type": "array", "items": _ref("Warning")})},
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
                       where=_STR),
    "Checklist": _object(plan_id=_STR, **{"from": _STR}, to=_STR_OR_NULL,
                         warnings={"type": "array", "items": _ref("Warning")}),
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
    "Validation": _object(
        commitment_id=_STR, ok=_BOOL,
        problems={"type": "array", "items": _object(code=_STR, where=_STR, message_id=_STR,
                                                    message_en=_STR)},
    ),
}

_PATH_TYPES: dict[str, Schema] = {"version": {"type": "integer", "minimum": 2}}

_ERROR_TEXT = {
    400: "Bad request (malformed JSON; an invalid_invitation, expired_invitation or "
         "used_invitation to a client that asked for JSON)",
    401: "Not signed in, or the sign-in is no longer valid (session_ended: signed out, a new "
         "invitation link; deactivated)",
    403: "Not allowed for you (the message says why); cross_site_request: signed in by the "
         "session cookie but not sent from a page of this site",
    415: "json_required: signed in by the session cookie, the body must be application/json",
    404: "Unknown id",
    409: "Not at this stage, or changed by someone else at the same time",
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
