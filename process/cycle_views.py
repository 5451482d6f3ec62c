"""JSON views of the consultation's window and moderation and of implementation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.record import Actor, Stakeholder

from .cycle_state import Evidence, Hiding, Implementation, Report, Window
from .records import Input, Plan


def _actor(actor: Actor) -> dict[str, Any]:
    return {"person_id": actor.person_id, "name": actor.name, "org_id": actor.org_id,
            "org_name": actor.org_name, "stakeholder": str(actor.stakeholder)}


def window_json(window: Window | None, now: datetime) -> dict[str, Any] | None:
    if window is None:
        return None
    state = "open" if window.holds(now) else "upcoming" if now < window.opens else "closed"
    return {"opens": window.opens.isoformat(), "closes": window.closes.isoformat(),
            "state": state, "announced_at": window.announced_at.isoformat()}


def implementation_json(plan: Plan) -> dict[str, Any] | None:
    opening = plan.implementation
    if opening is None:
        return None
    return {"opened_at": opening.at.isoformat(), "opened_by": _actor(opening.actor),
            "position": opening.position}


def hiding_json(hiding: Hiding) -> dict[str, Any]:
    return {"reason": hiding.reason, "by": _actor(hiding.actor), "at": hiding.at.isoformat(),
            "position": hiding.position}


def input_extras(item: Input, reader: Actor | None) -> dict[str, Any]:
    """What the register shows of an input beyond its text: consent, channel, hiding. The
    Secretariat sees the name and text as given; others the name only with consent, and no
    text of a hidden input."""
    secretariat = reader is not None and reader.stakeholder is Stakeholder.SECRETARIAT
    view: dict[str, Any] = {
        "publish_name": item.publish_name,
        "channel": item.channel,
        "hidden": hiding_json(item.hidden) if item.hidden is not None else None,
    }
    if not secretariat:
        view["name"] = item.published_name
        if item.hidden is not None:
            view["text"] = ""
    return view


def evidence_json(evidence: Evidence, commitment_id: str) -> dict[str, Any]:
    return {"sha256": evidence.sha256, "filename": evidence.filename,
            "content_type": evidence.content_type, "size": evidence.size,
            "by": _actor(evidence.actor), "at": evidence.at.isoformat(),
            "position": evidence.position,
            "url": f"/api/commitments/{commitment_id}/evidence/{evidence.sha256}"}


def report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id, "commitment_id": report.commitment_id, "kind": str(report.kind),
        "milestone": report.milestone,
        "status": str(report.status) if report.status is not None else None,
        "note": report.note, "period": report.period, "by": _actor(report.actor),
        "at": report.at.isoformat(), "position": report.position,
        "on_behalf": report.on_behalf_of is not None, "on_behalf_of": report.on_behalf_of,
        "disputes": report.disputes, "evidence": list(report.evidence),
        "links": list(report.links),
    }


def progress_json(commitment_id: str, implementation: Implementation,
                  milestones: int) -> dict[str, Any]:
    """Reports, evidence and the latest status of each milestone (numbered from 1)."""
    return {
        "commitment_id": commitment_id,
        "reports": [report_json(r) for r in implementation.reports],
        "evidence": [evidence_json(e, commitment_id)
                     for e in implementation.evidence.values()],
        "milestones": [
            {"milestone": n, "status": str(latest.status) if latest and latest.status else None,
             "period": latest.period if latest else None,
             "report_id": latest.id if latest else None}
            for n in range(1, milestones + 1)
            for latest in [implementation.latest_status(n)]
        ],
    }
