"""The negotiation on one commitment document, folded from its ``review:{document_id}`` stream:
comment threads and suggestions with their decisions. Pure: events in, records and JSON out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from events.record import Actor, RecordedEvent, format_timestamp

from .. import domain as d

MENTION = re.compile(r"@\[([^\]\n]{1,200})\]\((person|org):([A-Za-z0-9_.:-]{1,64})\)")


def mentions(body: str) -> list[dict[str, str]]:
    """The ``@[Name](person:ID)`` and ``@[Org](org:ID)`` tokens of a body, in order, once each."""
    seen: set[tuple[str, str]] = set()
    found = []
    for name, kind, ident in MENTION.findall(body):
        if (kind, ident) not in seen:
            seen.add((kind, ident))
            found.append({"kind": kind, "id": ident, "name": name})
    return found


def author_json(actor: Actor) -> dict[str, str]:
    return {"person_id": actor.person_id, "name": actor.name, "organisation": actor.org_name,
            "org_id": actor.org_id, "stakeholder": str(actor.stakeholder)}


@dataclass(slots=True)
class Reply:
    id: str
    author: Actor
    body: str
    mentions: list[dict[str, str]]
    created_at: str
    edited_at: str | None = None
    position: int = 0


@dataclass(slots=True)
class Comment:
    id: str
    section: str
    quote: str
    body: str
    author: Actor
    created_at: str
    stage: str | None
    session_id: str | None
    mentions: list[dict[str, str]]
    start: str | None
    end: str | None
    position: int
    status: str = "open"
    edited_at: str | None = None
    replies: list[Reply] = field(default_factory=list)

    def as_json(self, on_deleted_text: bool) -> dict[str, Any]:
        return {
            "id": self.id, "section": self.section, "quote": self.quote, "body": self.body,
            "status": self.status, "on_deleted_text": on_deleted_text,
            "author": author_json(self.author), "created_at": self.created_at,
            "edited_at": self.edited_at, "stage": self.stage, "session_id": self.session_id,
            "mentions": self.mentions, "position": self.position,
            "replies": [{"id": r.id, "author": author_json(r.author), "body": r.body,
                         "mentions": r.mentions, "created_at": r.created_at,
                         "edited_at": r.edited_at, "position": r.position}
                        for r in self.replies],
        }


@dataclass(slots=True)
class Suggestion:
    id: str
    section: str
    quote: str
    replacement: str
    reason: str
    author: Actor
    created_at: str
    stage: str | None
    session_id: str | None
    start: str | None
    end: str | None
    position: int
    status: str = "open"  # open, accepted, rejected
    decision: dict[str, Any] | None = None
    decider: Actor | None = None

    def as_json(self, stale: bool) -> dict[str, Any]:
        return {
            "id": self.id, "section": self.section, "quote": self.quote,
            "replacement": self.replacement, "reason": self.reason, "status": self.status,
            "stale": stale, "author": author_json(self.author), "created_at": self.created_at,
            "stage": self.stage, "session_id": self.session_id, "position": self.position,
            "decision": self.decision,
            "decider": author_json(self.decider) if self.decider is not None else None,
        }


@dataclass(slots=True)
class Review:
    """Comments and suggestions of one document, as of ``version`` of its review stream."""

    comments: dict[str, Comment] = field(default_factory=dict)
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    version: int = 0

    def apply(self, event: RecordedEvent) -> None:
        self.version = event.stream_version
        payload = json.loads(event.payload)
        at = format_timestamp(event.recorded_at)
        actor, context = event.actor, event.context
        kind = event.type
        if kind == d.COMMENT_CREATED:
            self.comments[payload["comment_id"]] = Comment(
                payload["comment_id"], payload["section"], payload["quote"], payload["body"],
                actor, at, context.stage, context.session_id, payload.get("mentions", []),
                payload.get("start"), payload.get("end"), event.position)
        elif kind == d.COMMENT_REPLIED:
            comment = self.comments[payload["comment_id"]]
            comment.replies.append(Reply(payload["reply_id"], actor, payload["body"],
                                         payload.get("mentions", []), at,
                                         position=event.position))
        elif kind == d.COMMENT_EDITED:
            comment = self.comments[payload["comment_id"]]
            target: Comment | Reply = comment
            if payload.get("reply_id"):
                target = next(r for r in comment.replies if r.id == payload["reply_id"])
            target.body = payload["body"]
            target.mentions = payload.get("mentions", [])
            target.edited_at = at
        elif kind in (d.COMMENT_RESOLVED, d.COMMENT_REOPENED):
            self.comments[payload["comment_id"]].status = (
                "resolved" if kind == d.COMMENT_RESOLVED else "open")
        elif kind == d.SUGGESTION_CREATED:
            self.suggestions[payload["suggestion_id"]] = Suggestion(
                payload["suggestion_id"], payload["section"], payload["quote"],
                payload["replacement"], payload.get("reason", ""), actor, at, context.stage,
                context.session_id, payload.get("start"), payload.get("end"), event.position)
        elif kind == d.SUGGESTION_DECIDED:
            suggestion = self.suggestions[payload["suggestion_id"]]
            accepted = payload["decision"] == "accept"
            suggestion.status = "accepted" if accepted else "rejected"
            suggestion.decider = actor
            suggestion.decision = {
                "decision": payload["decision"], "reason": payload.get("reason", ""), "at": at,
                "stage": context.stage, "session_id": context.session_id,
                "position": event.position, "client_id": payload.get("client_id"),
                "clock": payload.get("clock"), "update_position": payload.get(
                    "update_position"),
            }


def comment_entry(comment: Comment, on_deleted_text: bool) -> dict[str, Any]:
    """The value under ``review.comments[id]`` (docs/contracts.md, "Negotiation")."""
    return {**comment.as_json(on_deleted_text), "start": comment.start, "end": comment.end}


def suggestion_entry(suggestion: Suggestion, stale: bool) -> dict[str, Any]:
    return {**suggestion.as_json(stale), "start": suggestion.start, "end": suggestion.end}
