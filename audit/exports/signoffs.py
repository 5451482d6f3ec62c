"""Sign-offs, reservations and objections in the exports: the annex of the plan document and
the open-data tables ``forum`` and ``signoffs``.

Each person's latest sign-off per stage is what the annex shows (a later one supersedes the
earlier for display); the open data lists every sign-off on the record, marked current or
not. Commitments the reader may not see are left out, like everywhere in the exports.
"""

from __future__ import annotations

from typing import Any

from events.record import format_timestamp
from process.forum import Position, SignOff, forum_of

from .labels import Labels
from .plan import PlanView

_POSITIONS: dict[Position, tuple[str, str]] = {
    Position.AGREE: ("setuju", "agrees"),
    Position.RESERVATIONS: ("setuju dengan catatan", "agrees with reservations"),
    Position.OBJECT: ("keberatan", "objects"),
}


def _shown(view: PlanView) -> dict[str, str]:
    """Commitment id -> its OGP-style id, for the commitments this view shows."""
    return {item.commitment.id: item.ogp_id for item in view.commitments}


def _current(view: PlanView) -> set[int]:
    forum = forum_of(view.state, view.plan.id)
    keys = {s.commitment_id for s in forum.signoffs}
    stages = {s.stage for s in forum.signoffs}
    return {s.log_position for c in keys for st in stages for s in forum.current(c, st)}


def _org(view: PlanView, item: SignOff) -> str:
    org = view.state.organisations.get(item.org_id)
    return org.name if org is not None else item.org_id


def annex(view: PlanView, labels: Labels) -> list[str]:
    """The annex's lines: each current sign-off, with its text, then each advance the
    Secretariat made over an objection, with its reason. Empty when there is none."""
    forum = forum_of(view.state, view.plan.id)
    shown, current = _shown(view), _current(view)
    index = 0 if labels.language == "id" else 1
    lines = []
    for item in forum.signoffs:
        if item.log_position not in current or (
                item.commitment_id is not None and item.commitment_id not in shown):
            continue
        what = (f"{labels['commitment']} {shown[item.commitment_id]}"
                if item.commitment_id is not None else labels["forum_plan"])
        who = f"{item.actor.name} ({_org(view, item)})"
        if item.on_behalf:
            who = f"{labels['secretariat_for']} {_org(view, item)} ({item.actor.name})"
        line = (f"{labels.stage(item.stage)} \u2014 {what}: {who} "
                f"{_POSITIONS[item.position][index]}")
        lines.append(f"{line}: {item.text}" if item.text else line)
    for change in view.plan.history:
        if change.objection_reason:
            lines.append(f"{labels.stage(change.from_stage)} \u2192 "
                         f"{labels.stage(change.to_stage)}: {labels['over_objection']}: "
                         f"{change.objection_reason}")
    return lines


def signoff_rows(view: PlanView) -> list[dict[str, Any]]:
    forum = forum_of(view.state, view.plan.id)
    shown, current = _shown(view), _current(view)
    rows = []
    for item in forum.signoffs:
        if item.commitment_id is not None and item.commitment_id not in shown:
            continue
        rows.append({
            "position": item.log_position,
            "recorded_at": format_timestamp(item.at),
            "stage": str(item.stage),
            "commitment_id": shown.get(item.commitment_id or "", ""),
            "signoff": str(item.position),
            "text": item.text,
            "person": item.actor.name,
            "organisation": _org(view, item),
            "recorded_by_organisation": item.actor.org_name,
            "on_behalf": item.on_behalf,
            "current": item.log_position in current,
        })
    return rows


def forum_rows(view: PlanView) -> list[dict[str, Any]]:
    """Members of the forum, current and removed (with the reason)."""
    state = view.state
    forum = forum_of(state, view.plan.id)
    rows = []

    def person(person_id: str) -> tuple[str, str, str]:
        found = state.people.get(person_id)
        org = state.organisations.get(found.org_id) if found is not None else None
        return (found.name if found else "", org.name if org else "",
                str(org.stakeholder) if org else "")

    for member in forum.members.values():
        name, org, stakeholder = person(member.person_id)
        rows.append({"name": name, "organisation": org, "stakeholder": stakeholder,
                     "added_at": format_timestamp(member.added_at), "removed_at": "",
                     "removal_reason": ""})
    for removal in forum.removals:
        name, org, stakeholder = person(removal.person_id)
        rows.append({"name": name, "organisation": org, "stakeholder": stakeholder,
                     "added_at": "", "removed_at": format_timestamp(removal.removed_at),
                     "removal_reason": removal.reason})
    return rows
