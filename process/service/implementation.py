"""The process commands of implementation after Final: opening it, progress reports and
monitoring notes per milestone, evidence files."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from commitment.template import CommitmentContent, read_commitment
from events.record import Actor, Context, Stakeholder

from .. import domain as d
from .. import implementation as rules
from ..cycle_state import Evidence, Report
from ..domain import ProgressStatus, ReportKind, Stage
from ..errors import Conflict, Invalid, Unavailable
from ..evidence import check_file
from ..records import Commitment, Plan
from ..state import ProcessState
from .core import ServiceCore, logger, new_id

MAX_LINKS = 10


class ImplementationCommands(ServiceCore):
    """Implementation: opened by the Secretariat, reported by the lead agency, monitored by
    civil society, backed by evidence."""

    async def open_implementation(self, actor: Actor | None, plan_id: str) -> Plan:
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        if plan.stage is Stage.IMPLEMENTATION:
            raise Conflict("Masa pelaksanaan sudah dibuka / implementation is already open",
                           code="implementation_open")
        if plan.stage is not Stage.FINAL:
            raise Conflict(
                f"Pelaksanaan dibuka setelah rencana aksi final (sekarang {plan.stage}) / "
                f"implementation opens after Final (the plan is at {plan.stage})",
                code="not_final")
        payload = {"plan_id": plan.id, "from": str(Stage.FINAL),
                   "to": str(Stage.IMPLEMENTATION)}
        context = self._context(state, plan, who)
        await self._append(d.plan_stream(plan.id), d.PLAN_IMPLEMENTATION_OPENED, payload, who,
                           context, state)
        if self.on_stage_advanced is not None:
            try:  # the adopted plan's history, fixed under a signed checkpoint
                await self.on_stage_advanced(
                    Context(plan.id, str(Stage.IMPLEMENTATION), context.session_id))
            except Exception:
                logger.exception("no checkpoint signed for plan %s's implementation", plan.id)
        return plan

    async def report(
        self, actor: Actor | None, commitment_id: str, *, kind: str, milestone: int | None,
        status: str | None, note: str, period: str, on_behalf_of: str | None = None,
        disputes: str | None = None, evidence: Sequence[str] = (), links: Sequence[str] = (),
    ) -> Report:
        """A progress report (the lead agency, or the Secretariat for it) or a monitoring
        note (a CSO of the working group)."""
        who = self._signed_in(await self.resolve(actor))
        state = await self.state()
        commitment = self.commitment(state, commitment_id)
        try:
            report_kind = ReportKind(kind)
        except ValueError:
            raise Invalid(f"kind must be one of {[str(k) for k in ReportKind]}") from None
        self._require(rules.can_report(state, who, commitment, report_kind))
        milestones = len((await self._content(commitment)).milestones)
        implementation = state.implementations.get(commitment.id)
        payload: dict[str, object] = {
            "report_id": new_id(), "commitment_id": commitment.id,
            "plan_id": commitment.plan_id, "kind": str(report_kind),
            "note": note.strip(), "period": period.strip(),
        }
        if report_kind is ReportKind.PROGRESS:
            if status is None:
                raise Invalid("a progress report needs a status: one of "
                              f"{[str(s) for s in ProgressStatus]}", code="status_required")
            if milestone is None:
                raise Invalid("a progress report is about a milestone (numbered from 1)",
                              code="milestone_required")
            if not period.strip():
                raise Invalid("a progress report names its reporting period, e.g. 2025-S1",
                              code="period_required")
            if disputes is not None:
                raise Invalid("only a monitoring note disputes a progress report")
            payload["status"] = str(ProgressStatus(status))
            payload["on_behalf_of"] = self._on_behalf(state, who, commitment, on_behalf_of)
        else:
            if status is not None:
                raise Invalid("a monitoring note has no status; to dispute one, name the "
                              "progress report in disputes, with your reasons in note",
                              code="monitoring_has_no_status")
            if on_behalf_of is not None:
                raise Invalid("only the Secretariat reports on the lead agency's behalf")
            if not note.strip():
                raise Invalid("a monitoring note needs its text (note)", code="note_required")
            if disputes is not None:
                disputed = next((r for r in (implementation.reports if implementation else [])
                                 if r.id == disputes and r.kind is ReportKind.PROGRESS), None)
                if disputed is None:
                    raise Invalid(f"no progress report {disputes!r} of this commitment to "
                                  "dispute", code="unknown_report")
                milestone = milestone if milestone is not None else disputed.milestone
                payload["disputes"] = disputes
        if milestone is not None:
            if not 1 <= milestone <= milestones:
                raise Invalid(
                    f"milestone must be from 1 to {milestones}, the commitment's milestones "
                    f"(not {milestone})" if milestones else
                    "the commitment has no milestones to report on", code="unknown_milestone")
            payload["milestone"] = milestone
        known = implementation.evidence if implementation else {}
        missing = [h for h in evidence if h not in known]
        if missing:
            raise Invalid(f"evidence {missing} was not uploaded for this commitment; upload "
                          "the files first", code="unknown_evidence")
        if len(links) > MAX_LINKS or any(
                not link.startswith(("https://", "http://")) for link in links):
            raise Invalid(f"links: at most {MAX_LINKS} http(s) addresses", code="invalid")
        payload["evidence"] = list(dict.fromkeys(evidence))
        payload["links"] = list(links)
        plan = state.plans[commitment.plan_id]
        await self._append(d.progress_stream(commitment.id), d.PROGRESS_REPORTED, payload, who,
                           self._context(state, plan, who), state)
        return state.implementations[commitment.id].reports[-1]

    async def upload_evidence(
        self, actor: Actor | None, commitment_id: str, filename: str, content_type: str,
        data: bytes,
    ) -> Evidence:
        """Store a file under its SHA-256 and record its hash and metadata in the log."""
        who = self._signed_in(await self.resolve(actor))
        state = await self.state()
        commitment = self.commitment(state, commitment_id)
        self._require(rules.can_upload(state, who, commitment))
        name = check_file(filename, content_type, data)
        if self.evidence is None:
            raise Unavailable("evidence files cannot be stored: no evidence directory")
        try:
            sha256 = await asyncio.to_thread(self.evidence.put, data)
        except OSError as error:
            raise Unavailable(f"the evidence file cannot be stored right now: {error}") from None
        implementation = state.implementations.get(commitment.id)
        if implementation is not None and sha256 in implementation.evidence:
            return implementation.evidence[sha256]  # the same file: recorded once
        payload = {"commitment_id": commitment.id, "plan_id": commitment.plan_id,
                   "sha256": sha256, "filename": name,
                   "content_type": content_type.partition(";")[0].strip().lower(),
                   "size": len(data)}
        plan = state.plans[commitment.plan_id]
        await self._append(d.progress_stream(commitment.id), d.EVIDENCE_UPLOADED, payload, who,
                           self._context(state, plan, who), state)
        return state.implementations[commitment.id].evidence[sha256]

    async def _content(self, commitment: Commitment) -> CommitmentContent:
        return read_commitment(await self.runtime.document(commitment.document_id))

    def _on_behalf(self, state: ProcessState, who: Actor, commitment: Commitment,
                   org_id: str | None) -> str | None:
        """The lead agency the Secretariat reports for (its name); None for the agency's own
        report."""
        if who.stakeholder is not Stakeholder.SECRETARIAT:
            if org_id is not None:
                raise Invalid("only the Secretariat reports on the lead agency's behalf")
            return None
        leads = rules.lead_agencies(state, commitment)
        if org_id is not None:
            if org_id not in leads:
                raise Invalid(f"{org_id!r} is not a K/L/D/I of this commitment's working group",
                              code="not_lead_agency")
            return state.organisations[org_id].name
        return ", ".join(state.organisations[o].name for o in leads)
