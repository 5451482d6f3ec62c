"""The process commands that complete the public consultation: its window announced in
advance, moderation, and input gathered face to face entered by the Secretariat."""

from __future__ import annotations

from collections.abc import Sequence

from events.record import Actor, Context

from .. import domain as d
from ..consultation import Row, check_window
from ..domain import ADOPTED, Method, Stage
from ..errors import Conflict, Invalid
from ..records import Commitment, Input, Plan
from ..state import ProcessState
from .core import ServiceCore, new_id


class ConsultationCommands(ServiceCore):
    """The consultation's window, hiding abusive input, face-to-face input."""

    async def schedule_consultation(
        self, actor: Actor | None, plan_id: str, opens: str, closes: str
    ) -> Plan:
        """Announce (or move) the window in which public input is accepted."""
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        start, end = check_window(opens, closes)
        if plan.stage in ADOPTED:
            raise Conflict("Rencana aksi sudah final; konsultasi publik sudah selesai / the plan "
                           "is final; the public consultation is over", code="plan_final")
        payload = {"plan_id": plan.id, "opens": start.isoformat(), "closes": end.isoformat()}
        await self._append(d.plan_stream(plan.id), d.PLAN_CONSULTATION_SCHEDULED, payload, who,
                           self._context(state, plan, who), state)
        return plan

    async def hide_input(self, actor: Actor | None, input_id: str, reason: str) -> Input:
        """Hide an abusive input from the register, with a reason; the log keeps it."""
        who, state = await self._manager(actor)
        item = self.input(state, input_id)
        if not reason.strip():
            raise Invalid("Menyembunyikan masukan perlu alasan / hiding an input needs a reason",
                          code="reason_required")
        if item.hidden is not None:
            raise Conflict("Masukan ini sudah disembunyikan / this input is already hidden",
                           code="already_hidden")
        plan = state.plans[item.plan_id]
        payload = {"input_id": item.id, "plan_id": plan.id, "reason": reason.strip()}
        # On the plan's stream: the audit bundle gives it in full, the input's stream not.
        await self._append(d.plan_stream(plan.id), d.INPUT_HIDDEN, payload, who,
                           self._context(state, plan, who), state)
        return item

    async def enter_inputs(
        self, actor: Actor | None, plan_id: str, session_id: str, rows: Sequence[Row]
    ) -> list[Input]:
        """Record input gathered at a face-to-face consultation (a PC session), tagged with
        it. Every row is checked before the first is recorded."""
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        session = self.session(state, session_id)
        if session.plan_id != plan.id:
            raise Invalid(f"session {session_id!r} belongs to another plan")
        if session.method is not Method.PC:
            raise Invalid(
                "Masukan tatap muka dicatat pada sesi Konsultasi Publik (PC) / face-to-face "
                f"input is entered for a public consultation (PC) session, not {session.method}",
                code="not_a_consultation")
        if plan.stage is not Stage.DRAFT4:
            raise Conflict(
                "Masukan publik hanya diterima pada Draft 4 (konsultasi publik) / public input "
                "is only taken during Draft 4 (the public consultation)")
        if not rows:
            raise Invalid("no inputs given")
        targets = [(self._commitment_named(state, plan, row.commitment, f"input {n}"), row)
                   for n, row in enumerate(rows, start=1)]
        context = Context(plan.id, str(plan.stage), session.id)
        recorded = []
        for commitment, row in targets:
            input_id = new_id()
            payload = {
                "input_id": input_id, "plan_id": plan.id, "commitment_id": commitment.id,
                "target": row.target, "text": row.text, "name": row.name,
                "organisation": row.organisation, "contact_sealed": None,
                "publish_name": row.publish_name, "channel": "face_to_face",
            }
            await self._append(d.input_stream(input_id), d.INPUT_SUBMITTED, payload, who,
                               context, state)
            recorded.append(state.inputs[input_id])
        return recorded

    def _commitment_named(
        self, state: ProcessState, plan: Plan, name: str, where: str
    ) -> Commitment:
        for commitment in state.commitments_of(plan.id):
            if name in (commitment.id, commitment.number):
                return commitment
        raise Invalid(f"{where}: no commitment {name!r} in this plan (its id or number)",
                      code="unknown_commitment")
