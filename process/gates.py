"""The sign-offs a stage gate requires, and where they stand: a pure function of the state.

A gate (leaving a stage) may require, as the Secretariat configured for the plan:

- ``lead_agency``: every commitment has a lead agency named (``commitment.leads_set``) and
  each of its lead organisations has a sign-off at this stage (by one of its people, or by
  the Secretariat on its behalf). An objection is a sign-off: it is shown, and advancing
  over it needs the Secretariat's reason.
- ``forum``: the forum approves the plan (``forum.ForumRule``): more than half of its current
  members' latest sign-offs at this stage agree (with or without reservations), among them
  at least the rule's number of government and of civil-society members.

Missing sign-offs block the advance (409); objections need a reason; reservations are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from events.record import Stakeholder

from .forum import GOVERNMENT, PlanForum, Position, Requirement, SignOff, forum_of
from .records import Plan
from .state import ProcessState


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the gate: something required, done or missing, in both languages."""

    code: str
    message_id: str
    message_en: str
    commitment_id: str | None = None
    org_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message_id": self.message_id,
                               "message_en": self.message_en}
        if self.commitment_id is not None:
            out["commitment_id"] = self.commitment_id
        if self.org_id is not None:
            out["org_id"] = self.org_id
        return out


@dataclass
class GateReport:
    required: list[str]
    done: list[Item] = field(default_factory=list)
    missing: list[Item] = field(default_factory=list)
    objections: list[SignOff] = field(default_factory=list)
    reservations: list[SignOff] = field(default_factory=list)
    forum: dict[str, Any] | None = None  # the tally, when the forum's approval is required

    def missing_text(self) -> str:
        ids = "; ".join(i.message_id for i in self.missing)
        ens = "; ".join(i.message_en for i in self.missing)
        return f"Persetujuan yang belum ada: {ids} / sign-offs missing: {ens}"


def _name(state: ProcessState, org_id: str) -> str:
    org = state.organisations.get(org_id)
    return org.name if org is not None else org_id


def gate_report(state: ProcessState, plan: Plan) -> GateReport:
    """What the gate leaving the plan's current stage requires, and where it stands."""
    forum = forum_of(state, plan.id)
    required = forum.required(plan.stage)
    report = GateReport([str(r) for r in required])
    if Requirement.LEAD_AGENCY in required:
        _lead_agencies(state, plan, forum, report)
    if Requirement.FORUM in required:
        _forum_approval(state, plan, forum, report)
    return report


def _lead_agencies(state: ProcessState, plan: Plan, forum: PlanForum, report: GateReport) -> None:
    for commitment in state.commitments_of(plan.id):
        number = commitment.number
        leads = forum.leads.get(commitment.id, ())
        if not leads:
            report.missing.append(Item(
                "no_lead_agency", f"Komitmen {number} belum punya badan pemimpin yang ditetapkan",
                f"commitment {number} has no lead agency named", commitment.id))
            continue
        current = forum.current(commitment.id, plan.stage)
        for org_id in leads:
            name = _name(state, org_id)
            given = [s for s in current if s.org_id == org_id]
            if not given:
                report.missing.append(Item(
                    "lead_agency_signoff",
                    f"Komitmen {number}: {name} belum memberi persetujuan",
                    f"commitment {number}: {name} has not signed off", commitment.id, org_id))
            else:
                report.done.append(Item(
                    "lead_agency_signoff",
                    f"Komitmen {number}: {name} sudah memberi persetujuan",
                    f"commitment {number}: {name} has signed off", commitment.id, org_id))
            _sort(given, report)


def _forum_approval(state: ProcessState, plan: Plan, forum: PlanForum,
                    report: GateReport) -> None:
    members = set(forum.members)
    current = [s for s in forum.current(None, plan.stage) if s.actor.person_id in members]
    agreeing = [s for s in current if s.position is not Position.OBJECT]
    government = sum(1 for s in agreeing if s.actor.stakeholder in GOVERNMENT)
    society = sum(1 for s in agreeing if s.actor.stakeholder is Stakeholder.CSO)
    rule = forum.rule
    approved = (bool(members) and 2 * len(agreeing) > len(members)
                and government >= rule.min_government and society >= rule.min_civil_society)
    report.forum = {"members": len(members), "signed": len(current), "agree": len(agreeing),
                    "government_agree": government, "civil_society_agree": society,
                    "rule": rule.as_json(), "approved": approved}
    tally_id = (f"{len(agreeing)} dari {len(members)} anggota setuju (perlu lebih dari "
                f"separuh), pemerintah {government} (perlu {rule.min_government}), masyarakat "
                f"sipil {society} (perlu {rule.min_civil_society})")
    tally_en = (f"{len(agreeing)} of {len(members)} members agree (more than half needed), "
                f"government {government} ({rule.min_government} needed), civil society "
                f"{society} ({rule.min_civil_society} needed)")
    if approved:
        report.done.append(Item("forum_approval", f"Forum menyetujui rencana aksi: {tally_id}",
                                f"the forum approves the plan: {tally_en}"))
    else:
        report.missing.append(Item(
            "forum_approval", f"Forum belum menyetujui rencana aksi: {tally_id}",
            f"the forum has not approved the plan: {tally_en}"))
    _sort(current, report)


def _sort(signoffs: list[SignOff], report: GateReport) -> None:
    for item in signoffs:
        if item.position is Position.OBJECT:
            report.objections.append(item)
        elif item.position is Position.RESERVATIONS:
            report.reservations.append(item)
