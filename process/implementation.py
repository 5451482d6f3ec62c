"""Implementation's rules that are pure functions of the state: who reports progress or
monitors a commitment, and whether implementation is open.

The lead agency of a commitment is the K/L/D/I membership of its working group (the
organisation, or the one person of it who is a member): they report progress. The
Secretariat may report on their behalf, and the report says so. CSO members of the working
group add monitoring notes, which may dispute a progress report with reasons.
"""

from __future__ import annotations

from events.record import Actor, Stakeholder

from .domain import ReportKind, Stage
from .permissions import ALLOW, Decision
from .records import Commitment, Plan
from .state import ProcessState

NOT_OPEN = (
    "Masa pelaksanaan belum dibuka; Sekretariat membukanya setelah rencana aksi final / "
    "implementation is not open; the Secretariat opens it after the plan is final"
)


def _deny(indonesian: str, english: str) -> Decision:
    return Decision(False, f"{indonesian} / {english}")


def lead_agencies(state: ProcessState, commitment: Commitment) -> list[str]:
    """The organisation ids of the K/L/D/I members of the commitment's working group."""
    group = state.working_groups.get(commitment.working_group_id)
    found: list[str] = []
    for member in group.members if group is not None else []:
        org = state.organisations.get(member.org_id)
        if org is not None and org.stakeholder is Stakeholder.KLDI and org.id not in found:
            found.append(org.id)
    return found


def can_report(
    state: ProcessState, actor: Actor | None, commitment: Commitment, kind: ReportKind
) -> Decision:
    """Who may add a report of ``kind`` (or upload evidence for one); then the stage."""
    member = actor is not None and state.is_member(actor, commitment.working_group_id)
    secretariat = actor is not None and actor.stakeholder is Stakeholder.SECRETARIAT
    if kind is ReportKind.PROGRESS:
        if not (secretariat or (member and actor is not None
                                and actor.stakeholder is Stakeholder.KLDI)):
            return _deny(
                "Kemajuan dilaporkan oleh badan pemimpin (K/L/D/I kelompok kerja komitmen ini) "
                "atau Sekretariat atas namanya",
                "progress is reported by the lead agency (the K/L/D/I of this commitment's "
                "working group), or by the Secretariat on its behalf")
    elif not (member and actor is not None and actor.stakeholder is Stakeholder.CSO):
        return _deny(
            "Catatan pemantauan ditulis oleh OMS anggota kelompok kerja komitmen ini",
            "monitoring notes are written by the CSOs of this commitment's working group")
    return implementation_open(state.plans[commitment.plan_id])


def can_upload(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    """Evidence backs a progress report or a monitoring note: either author may upload."""
    progress = can_report(state, actor, commitment, ReportKind.PROGRESS)
    if progress.allowed or progress.stage_conflict:
        return progress
    monitoring = can_report(state, actor, commitment, ReportKind.MONITORING)
    if monitoring.allowed or monitoring.stage_conflict:
        return monitoring
    return _deny(
        "Bukti diunggah oleh badan pemimpin, OMS kelompok kerja, atau Sekretariat",
        "evidence is uploaded by the lead agency, the working group's CSOs or the Secretariat")


def implementation_open(plan: Plan) -> Decision:
    if plan.stage is not Stage.IMPLEMENTATION:
        return Decision(False, NOT_OPEN, stage_conflict=True)
    return ALLOW
