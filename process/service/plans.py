"""The process commands on plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.record import Actor, Context

from .. import domain as d
from .. import permissions
from ..domain import Stage
from ..errors import Conflict, Invalid
from ..gates import gate_report
from ..records import Plan
from .core import ServiceCore, _text, logger


class PlanCommands(ServiceCore):
    """Plans: created, advanced stage by stage, published."""

    async def create_plan(
        self, actor: Actor | None, title: str, period: str = "", plan_id: str | None = None
    ) -> Plan:
        who, state = await self._manager(actor)
        plan_id = self._new_id(plan_id, state.plans, "plan")
        payload = {"plan_id": plan_id, "title": _text(title, "title"), "period": period,
                   "stage": str(Stage.SETUP)}
        await self._append(d.plan_stream(plan_id), d.PLAN_CREATED, payload, who,
                           Context(plan_id, str(Stage.SETUP)), state)
        return state.plans[plan_id]

    async def advance_stage(
        self, actor: Actor | None, plan_id: str, from_stage: str, acknowledge: bool,
        objection_reason: str = "",
    ) -> tuple[Plan, dict[str, Any]]:
        """Advance to the next stage, recording the checklist warnings open at the time.

        ``from_stage`` must name the current stage, so two people pressing the button at once
        advance one stage, not two; with warnings open, ``acknowledge`` must be true. The
        sign-offs the gate requires (``process.gates``) must all be there, and advancing over
        an objection needs ``objection_reason``."""
        who = self._signed_in(await self.resolve(actor))
        state = await self.state()
        plan = self.plan(state, plan_id)
        self._require(permissions.can_advance(who, plan))
        if from_stage != plan.stage:
            raise Conflict(
                f"the plan is at {plan.stage}, not {from_stage}; reload to see the change",
                code="stage_moved",
            )
        forum_version = state.version_of(d.forum_stream(plan.id))
        checklist = await self.checklist(plan)
        blocking = [w for w in checklist["warnings"] if w["blocking"]]
        if blocking:
            raise Conflict(
                "Tahap tidak dapat dilanjutkan: " + "; ".join(w["message_id"] for w in blocking)
                + " / the stage cannot advance: " + "; ".join(w["message_en"] for w in blocking),
                code="checklist_blocked",
            )
        gate = checklist["signoffs"]
        if not gate["ready"]:
            raise Conflict(gate_report(state, plan).missing_text(), code="signoffs_missing")
        if gate["objections"] and not objection_reason.strip():
            raise Conflict(
                f"Ada {len(gate['objections'])} keberatan; Sekretariat perlu memberi alasan "
                f"untuk tetap maju (objection_reason) / {len(gate['objections'])} objections "
                "are on the record; advancing over them needs the Secretariat's reason "
                "(objection_reason)", code="objection_needs_reason",
            )
        if checklist["warnings"] and not acknowledge:
            raise Conflict(
                f"{len(checklist['warnings'])} checklist warnings are open; review them and "
                "advance with acknowledge_warnings set to true",
                code="checklist_not_acknowledged",
            )
        payload = {"plan_id": plan.id, "from": checklist["from"], "to": checklist["to"],
                   "warnings": checklist["warnings"]}
        if gate["required"]:
            payload["signoffs"] = {k: gate[k] for k in ("required", "done", "forum")}
        if gate["objections"]:
            payload["objection_reason"] = objection_reason.strip()
        context = self._context(state, plan, who)
        # Guarded by the forum's stream: a sign-off, objection or removal recorded meanwhile
        # makes this a 409 rather than an advance over something nobody saw.
        await self._append(d.plan_stream(plan.id), d.PLAN_STAGE_ADVANCED, payload, who,
                           context, state, guard={d.forum_stream(plan.id): forum_version})
        if self.on_stage_advanced is not None:
            try:
                await self.on_stage_advanced(Context(plan.id, checklist["to"], context.session_id))
            except Exception:  # the advance is recorded; a missing checkpoint can be signed later
                logger.exception("no checkpoint signed for plan %s's stage advance", plan.id)
        return plan, checklist

    async def publish(
        self, actor: Actor | None, plan_id: str, commitment_ids: Sequence[str] | None
    ) -> Plan:
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        ids = list(plan.commitment_ids if commitment_ids is None else commitment_ids)
        for commitment_id in ids:
            if self.commitment(state, commitment_id).plan_id != plan.id:
                raise Invalid(f"commitment {commitment_id!r} belongs to another plan")
        payload = {"plan_id": plan.id, "commitment_ids": ids, "stage": str(plan.stage)}
        await self._append(d.plan_stream(plan.id), d.PLAN_PUBLISHED, payload, who,
                           self._context(state, plan, who), state)
        return plan
