"""The negotiation's HTTP routes, as entries of the process API's route table (so their bodies
are checked and ``/openapi.json`` lists them like every other process route)."""

from __future__ import annotations

from starlette.responses import Response

from ..api import SIGNED_IN, Operation
from ..http import Call, ok
from ..schema import obj, string
from .service import NegotiationService

_DOC = "/api/documents/{document_id}"
_BODY = string(10_000, minLength=1)
_ANCHOR = {"type": ["object", "null"], "additionalProperties": False,
           "required": ["start", "end"],
           "properties": {"start": string(200), "end": string(200)},
           "description": "Yjs relative positions, each base64 of Y.encodeRelativePosition: "
                          "start on the first character (assoc 0), end on the last (assoc -1)"}
_COMMENTERS = "those who may write the commitment now, the Secretariat, and a ministry of its " \
              "working group in Draft 1-2 (never auditors or the public)"
_DECIDERS = "those who may write the commitment's text now, and the Secretariat"


def negotiation(call: Call) -> NegotiationService:
    service: NegotiationService | None = getattr(call.request.app.state, "negotiation", None)
    if service is None:
        raise RuntimeError("the negotiation routes need the app kokreasi.app.create_app builds")
    return service


async def list_comments(call: Call) -> Response:
    service = negotiation(call)
    document_id = call.param("document_id")
    comments = await service.comments(call.actor, document_id)
    return ok({"comments": comments, "may": await service.may(call.actor, document_id)})


async def create_comment(call: Call) -> Response:
    b = call.body
    comment_id = await negotiation(call).comment(
        call.actor, call.param("document_id"), b["section"], b["body"], b.get("quote"),
        b.get("anchor"))
    return ok({"id": comment_id}, 201)


async def reply_to_comment(call: Call) -> Response:
    reply_id = await negotiation(call).reply(call.actor, call.param("document_id"),
                                             call.param("comment_id"), call.body["body"])
    return ok({"id": reply_id}, 201)


async def edit_comment(call: Call) -> Response:
    await negotiation(call).edit(call.actor, call.param("document_id"),
                                 call.param("comment_id"), call.body["body"])
    return ok({"id": call.param("comment_id")})


async def edit_reply(call: Call) -> Response:
    await negotiation(call).edit(call.actor, call.param("document_id"),
                                 call.param("comment_id"), call.body["body"],
                                 reply_id=call.param("reply_id"))
    return ok({"id": call.param("reply_id")})


async def set_comment_status(call: Call) -> Response:
    await negotiation(call).set_status(call.actor, call.param("document_id"),
                                       call.param("comment_id"), call.body["status"])
    return ok({"id": call.param("comment_id"), "status": call.body["status"]})


async def list_suggestions(call: Call) -> Response:
    service = negotiation(call)
    document_id = call.param("document_id")
    suggestions = await service.suggestions(call.actor, document_id)
    return ok({"suggestions": suggestions, "may": await service.may(call.actor, document_id)})


async def create_suggestion(call: Call) -> Response:
    b = call.body
    suggestion_id = await negotiation(call).suggest(
        call.actor, call.param("document_id"), b["section"], b.get("quote") or "",
        b["replacement"], b.get("reason") or "", b.get("anchor"))
    return ok({"id": suggestion_id}, 201)


async def decide_suggestion(call: Call) -> Response:
    b = call.body
    decided = await negotiation(call).decide(
        call.actor, call.param("document_id"), call.param("suggestion_id"), b["decision"],
        b.get("reason") or "")
    return ok({"id": call.param("suggestion_id"), **decided})


async def decide_suggestions_of(call: Call) -> Response:
    b = call.body
    return ok(await negotiation(call).decide_all(
        call.actor, call.param("document_id"), b["author"], b["decision"],
        b.get("reason") or ""))


_DECISION = {"type": "string", "enum": ["accept", "reject"]}

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", f"{_DOC}/comments", list_comments,
              "Comment threads on a commitment document, with whether you may comment, "
              "suggest and decide", "negotiation", SIGNED_IN, response="CommentList",
              errors=(401, 403, 404)),
    Operation("POST", f"{_DOC}/comments", create_comment,
              "Comment on a passage (quote: its first occurrence in the section; or an anchor), "
              "a milestone, a contact field or the whole commitment (section *)",
              "negotiation", _COMMENTERS,
              obj(["section", "body"], section=string(100, minLength=1), body=_BODY,
                  quote=string(5000, nullable=True), anchor=_ANCHOR),
              201, "Created", (401, 403, 404, 409, 422)),
    Operation("POST", f"{_DOC}/comments/{{comment_id}}/replies", reply_to_comment,
              "Reply to a comment", "negotiation", _COMMENTERS, obj(["body"], body=_BODY),
              201, "Created", (401, 403, 404, 409, 422)),
    Operation("PATCH", f"{_DOC}/comments/{{comment_id}}", edit_comment,
              "Edit your own comment", "negotiation", "its author",
              obj(["body"], body=_BODY), 200, "Created", (401, 403, 404, 409, 422)),
    Operation("PATCH", f"{_DOC}/comments/{{comment_id}}/replies/{{reply_id}}", edit_reply,
              "Edit your own reply", "negotiation", "its author",
              obj(["body"], body=_BODY), 200, "Created", (401, 403, 404, 409, 422)),
    Operation("POST", f"{_DOC}/comments/{{comment_id}}/status", set_comment_status,
              "Resolve or reopen a comment thread", "negotiation", _COMMENTERS,
              obj(["status"], status={"type": "string", "enum": ["resolved", "open"]}),
              200, "Created", (401, 403, 404, 409, 422)),
    Operation("GET", f"{_DOC}/suggestions", list_suggestions,
              "Suggested changes with their status (open, accepted, rejected), whether the text "
              "they change has changed since (stale) and their decision", "negotiation",
              SIGNED_IN, response="SuggestionList", errors=(401, 403, 404)),
    Operation("POST", f"{_DOC}/suggestions", create_suggestion,
              "Suggest replacing a passage (quote: its first occurrence in the section; to "
              "insert, quote the words before and repeat them in the replacement, or give an "
              "anchor with start = end)", "negotiation", _COMMENTERS,
              obj(["section", "replacement"], section=string(100, minLength=1),
                  quote=string(5000, nullable=True), replacement=string(10_000),
                  reason=string(10_000, nullable=True), anchor=_ANCHOR),
              201, "Created", (401, 403, 404, 409, 422)),
    Operation("POST", f"{_DOC}/suggestions/{{suggestion_id}}/decision", decide_suggestion,
              "Accept (the replacement is written into the text; stale: 409) or reject (a "
              "reason is required) a suggestion", "negotiation", _DECIDERS,
              obj(["decision"], decision=_DECISION, reason=string(10_000, nullable=True)),
              200, "Decision", (401, 403, 404, 409, 422)),
    Operation("POST", f"{_DOC}/suggestions/decisions", decide_suggestions_of,
              "Accept or reject every open suggestion of one person (stale ones are skipped)",
              "negotiation", _DECIDERS,
              obj(["author", "decision"], author=string(64, minLength=1), decision=_DECISION,
                  reason=string(10_000, nullable=True)),
              200, "Decisions", (401, 403, 404, 409, 422)),
)
