"""What the negotiation on a document (its ``review:{document_id}`` stream: comments,
suggestions, decisions; ``process.negotiation``) adds to history and blame.

Read from the log when asked: a document's review stream is short next to its keystrokes.
The stream and event names are the process's contract (docs/contracts.md, "Negotiation"),
restated here since projections may not import the process.
"""

from __future__ import annotations

import json
from typing import Any

from events.record import Actor, RecordedEvent, format_timestamp
from events.store import EventStore

from .documents import actor_to_json

REVIEW_PREFIX = "review:"
SUGGESTION_CREATED = "suggestion.created"
SUGGESTION_DECIDED = "suggestion.decided"
SUMMARIES = {
    "comment.created": ("komentar baru", "new comment"),
    "comment.replied": ("balasan komentar", "reply to a comment"),
    "comment.edited": ("komentar disunting", "comment edited"),
    "comment.resolved": ("komentar diselesaikan", "comment resolved"),
    "comment.reopened": ("komentar dibuka lagi", "comment reopened"),
    SUGGESTION_CREATED: ("saran perubahan", "suggested change"),
}


def review_stream(document_id: str) -> str:
    return REVIEW_PREFIX + document_id


async def accepted_clients(store: EventStore, document_id: str,
                           upto: int | None = None) -> dict[int, dict[str, Any]]:
    """Yjs client ids of the accepted suggestions (logged at or before ``upto``) -> the
    suggestion, its suggester (an Actor) and who accepted it when: ``attribute``'s input."""
    suggesters: dict[str, Actor] = {}
    found: dict[int, dict[str, Any]] = {}
    for event in await store.read_stream(review_stream(document_id)):
        if upto is not None and event.position > upto:
            break
        if event.type == SUGGESTION_CREATED:
            suggesters[str(json.loads(event.payload)["suggestion_id"])] = event.actor
        elif event.type == SUGGESTION_DECIDED:
            payload = json.loads(event.payload)
            client = payload.get("client_id")
            updated = payload.get("update_position")
            suggester = suggesters.get(str(payload.get("suggestion_id")))
            if payload.get("decision") != "accept" or client is None or suggester is None:
                continue
            if upto is not None and updated is not None and updated > upto:
                continue
            found[int(client)] = {
                "suggestion_id": payload["suggestion_id"], "suggester": suggester,
                "accepted_by": actor_to_json(event.actor),
                "accepted_at": format_timestamp(event.recorded_at),
            }
    return found


def history_entry(event: RecordedEvent) -> dict[str, Any]:
    """A negotiation event as an entry of a document's history (beside its edits)."""
    payload = json.loads(event.payload)
    actor, context = event.actor, event.context
    if event.type == SUGGESTION_DECIDED:
        accepted = payload.get("decision") == "accept"
        summary = ("saran diterima", "suggestion accepted") if accepted else (
            "saran ditolak", "suggestion rejected")
    else:
        summary = SUMMARIES.get(event.type, (event.type, event.type))
    return {
        "position": event.position, "stream_version": event.stream_version,
        "kind": event.type, "actor": actor_to_json(actor), "plan_id": context.plan_id,
        "stage": context.stage, "session_id": context.session_id,
        "recorded_at": format_timestamp(event.recorded_at), "inserted": 0, "deleted": 0,
        "summary": summary[1], "summary_id": summary[0], "summary_parts": [], "changes": {},
        "negotiation": {k: v for k, v in payload.items() if k not in ("start", "end")},
    }
