"""The negotiation in the evidence pack: every comment thread and every suggestion with its
decision, who made each and when, per commitment (``process.negotiation``'s events)."""

from __future__ import annotations

from typing import Any

from process.negotiation.review import Review

from .plan import PlanView

REVIEW_PREFIX = "review:"


def reviews(view: PlanView) -> dict[str, Review]:
    """Each document's negotiation, folded from the view's events."""
    found: dict[str, Review] = {}
    for event in view.events:
        if event.stream_id.startswith(REVIEW_PREFIX):
            found.setdefault(event.stream_id[len(REVIEW_PREFIX):], Review()).apply(event)
    return found


def _who(author: Any) -> dict[str, str]:
    return {"by": author.name, "organisation": author.org_name,
            "stakeholder": str(author.stakeholder)}


def negotiation_tables(view: PlanView) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(comments, suggestions) as CSV rows; a reply is a row under its comment."""
    numbers = {c.commitment.document_id: (c.ogp_id, c.commitment.number)
               for c in view.commitments}
    comments: list[dict[str, Any]] = []
    suggestions: list[dict[str, Any]] = []
    for document_id, review in reviews(view).items():
        if document_id not in numbers:
            continue  # a commitment this view does not show
        ogp_id, number = numbers[document_id]
        for comment in review.comments.values():
            comments.append({
                "commitment": ogp_id, "number": number, "comment_id": comment.id,
                "reply_id": "", "section": comment.section, "quote": comment.quote,
                "text": comment.body, **_who(comment.author), "stage": comment.stage or "",
                "session_id": comment.session_id or "", "at": comment.created_at,
                "edited_at": comment.edited_at or "", "status": comment.status,
                "position": comment.position})
            for reply in comment.replies:
                comments.append({
                    "commitment": ogp_id, "number": number, "comment_id": comment.id,
                    "reply_id": reply.id, "section": comment.section, "quote": "",
                    "text": reply.body, **_who(reply.author), "stage": "", "session_id": "",
                    "at": reply.created_at, "edited_at": reply.edited_at or "",
                    "status": "", "position": reply.position})
        for suggestion in review.suggestions.values():
            decision = suggestion.decision or {}
            decider = suggestion.decider
            suggestions.append({
                "commitment": ogp_id, "number": number, "suggestion_id": suggestion.id,
                "section": suggestion.section, "quote": suggestion.quote,
                "replacement": suggestion.replacement, "reason": suggestion.reason,
                **_who(suggestion.author), "stage": suggestion.stage or "",
                "session_id": suggestion.session_id or "", "at": suggestion.created_at,
                "status": suggestion.status, "decision_reason": decision.get("reason", ""),
                "decided_by": decider.name if decider else "",
                "decided_by_organisation": decider.org_name if decider else "",
                "decided_at": decision.get("at", ""), "position": suggestion.position})
    return comments, suggestions
