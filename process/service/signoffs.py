"""The process commands of the forum, the stage gates and the sign-offs (``process.forum``).

Every write goes to the plan's ``forum:{plan_id}`` stream guarded by the plan's stream, so a
sign-off never lands after the stage it was given in has ended. Many forum members sign at
about the same time; a write that lost the race to another is checked again on the newer
state and retried, rather than answered with a 409.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from events.errors import ConcurrencyError, GuardFailed
from events.record import Actor, Context, NewEvent, Stakeholder

from .. import domain as d
from .. import permissions
from ..domain import Stage
from ..errors import Conflict, Forbidden, Invalid
from ..forum import (
    FORUM_STAKEHOLDERS,
    GATE_STAGES,
    Position,
    Requirement,
    SignOff,
    forum_of,
)
from ..records import Plan
from ..state import ProcessState
from .core import COMMIT_ATTEMPTS, ServiceCore

Prepared = tuple[Plan, str, dict[str, Any], Context]  # plan, event type, payload, context


def _busy() -> Conflict:
    return Conflict("Data ini baru saja diubah orang lain; muat ulang lalu coba lagi / "
                    "someone changed this at the same moment; reload and try again")


def _no_signoff(what_id: str, what_en: str) -> Conflict:
    return Conflict(f"Tahap ini tidak meminta persetujuan {what_id} / this stage's gate asks "
                    f"for no sign-off {what_en}", code="no_signoff_at_stage")


class SignOffCommands(ServiceCore):
    """The forum's members, the gate rules, lead agencies, and sign-offs."""

    async def _record(self, actor: Actor | None,
                      prepare: Callable[[Actor, ProcessState], Prepared]) -> int:
        """Check with ``prepare`` and append; on a lost race, check again and retry."""
        who = self._signed_in(await self.resolve(actor))
        for _ in range(COMMIT_ATTEMPTS):
            state = await self.state()
            plan, event_type, payload, context = prepare(who, state)
            stream = d.forum_stream(plan.id)
            plan_stream = d.plan_stream(plan.id)
            guard = {plan_stream: state.version_of(plan_stream)}
            try:
                return await self._write(stream, [NewEvent(event_type, payload, who, context)],
                                         state.version_of(stream), guard)
            except (ConcurrencyError, GuardFailed):
                # A random pause spreads out instances that lost the same race.
                await asyncio.sleep(random.uniform(0.0, 0.02))
                await self._catch_up()
        raise _busy()

    # -- the forum ---------------------------------------------------------------------------

    async def add_forum_member(self, actor: Actor | None, plan_id: str, person_id: str) -> Plan:
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            self._require(permissions.can_manage(who))
            plan = self.plan(state, plan_id)
            person = self.person(state, person_id)
            org = self.organisation(state, person.org_id)
            if not person.active:
                raise Invalid("Orang ini sudah dinonaktifkan / this person is deactivated",
                              code="inactive_person")
            if org.stakeholder not in FORUM_STAKEHOLDERS:
                raise Invalid("Anggota forum berasal dari pemerintah atau masyarakat sipil / "
                              "forum members come from government or civil society",
                              code="not_forum_stakeholder")
            if person.id in forum_of(state, plan.id).members:
                raise Conflict("Orang ini sudah anggota forum / this person is already a "
                               "member of the forum", code="exists")
            payload = {"plan_id": plan.id, "person_id": person.id}
            return plan, d.FORUM_MEMBER_ADDED, payload, self._context(state, plan, who)

        await self._record(actor, prepare)
        return self.plan(await self.state(), plan_id)

    async def remove_forum_member(
        self, actor: Actor | None, plan_id: str, person_id: str, reason: str
    ) -> Plan:
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            self._require(permissions.can_manage(who))
            plan = self.plan(state, plan_id)
            if not reason.strip():
                raise Invalid("Pengeluaran anggota forum perlu alasan / removing a forum "
                              "member needs a reason", code="reason_required")
            if person_id not in forum_of(state, plan.id).members:
                raise Conflict("Orang ini bukan anggota forum / this person is not a member "
                               "of the forum", code="not_a_member")
            payload = {"plan_id": plan.id, "person_id": person_id, "reason": reason.strip()}
            return plan, d.FORUM_MEMBER_REMOVED, payload, self._context(state, plan, who)

        await self._record(actor, prepare)
        return self.plan(await self.state(), plan_id)

    async def set_gates(
        self, actor: Actor | None, plan_id: str, gates: Mapping[str, Sequence[str]],
        forum_rule: Mapping[str, int] | None,
    ) -> Plan:
        """Replace the plan's gate rules (stages not named require nothing)."""
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            self._require(permissions.can_manage(who))
            plan = self.plan(state, plan_id)
            if plan.stage is Stage.FINAL:
                raise Conflict(permissions.FINAL_FROZEN)
            stages = {str(s) for s in GATE_STAGES}
            unknown = sorted(set(gates) - stages)
            if unknown:
                raise Invalid(f"no gate after {unknown}; gates: {sorted(stages)}")
            clean = {stage: sorted({str(Requirement(r)) for r in required})
                     for stage, required in gates.items() if required}
            rule = dict(forum_of(state, plan.id).rule.as_json())
            rule.update({k: int(v) for k, v in (forum_rule or {}).items()})
            payload = {"plan_id": plan.id, "gates": clean, "forum_rule": rule}
            return plan, d.FORUM_GATES_SET, payload, self._context(state, plan, who)

        await self._record(actor, prepare)
        return self.plan(await self.state(), plan_id)

    async def set_lead_organisations(
        self, actor: Actor | None, commitment_id: str, org_ids: Sequence[str]
    ) -> Plan:
        """Name the K/L/D/I that lead a commitment, whose sign-off its gate may require.

        Recorded by the Secretariat, not read from the document's free-text
        ``meta.lead_agency``: who must accept a commitment is decided on the record, not by
        whoever edits the text."""
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            self._require(permissions.can_manage(who))
            commitment = self.commitment(state, commitment_id)
            plan = self.plan(state, commitment.plan_id)
            if plan.stage is Stage.FINAL:
                raise Conflict(permissions.FINAL_FROZEN)
            for org_id in org_ids:
                if self.organisation(state, org_id).stakeholder is not Stakeholder.KLDI:
                    raise Invalid(f"organisation {org_id!r} is not a K/L/D/I; a lead agency "
                                  "is a ministry, agency, local government or institution",
                                  code="not_kldi")
            payload = {"plan_id": plan.id, "commitment_id": commitment.id,
                       "org_ids": list(dict.fromkeys(org_ids))}
            return plan, d.COMMITMENT_LEADS_SET, payload, self._context(state, plan, who)

        await self._record(actor, prepare)
        return self.plan(await self.state(), self.commitment(await self.state(),
                                                             commitment_id).plan_id)

    # -- sign-offs ---------------------------------------------------------------------------

    async def sign_off_commitment(
        self, actor: Actor | None, commitment_id: str, position: str, text: str,
        on_behalf_of: str | None = None,
    ) -> SignOff:
        """The lead agency's sign-off of its commitment (or the Secretariat's on its behalf)."""
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            commitment = self.commitment(state, commitment_id)
            plan = self.plan(state, commitment.plan_id)
            self._require(permissions.can_read(state, who, commitment))
            leads = forum_of(state, plan.id).leads.get(commitment.id, ())
            if who.stakeholder is Stakeholder.SECRETARIAT and who.org_id not in leads:
                if not leads:
                    raise Conflict("Komitmen ini belum punya badan pemimpin yang ditetapkan / "
                                   "this commitment has no lead agency named",
                                   code="no_lead_agency")
                org_id = on_behalf_of or (leads[0] if len(leads) == 1 else "")
                if org_id not in leads:
                    raise Invalid("Sebutkan badan pemimpin yang diwakili (on_behalf_of) / name "
                                  f"the lead agency signed for (on_behalf_of): one of "
                                  f"{list(leads)}", code="on_behalf_of_required")
                on_behalf = True
            elif who.org_id in leads and on_behalf_of in (None, who.org_id):
                org_id, on_behalf = who.org_id, False
            else:
                raise Forbidden("Hanya badan pemimpin komitmen ini (atau Sekretariat atas "
                                "namanya) yang memberi persetujuan / only this commitment's lead "
                                "agency (or the Secretariat on its behalf) signs it off")
            if Requirement.LEAD_AGENCY not in forum_of(state, plan.id).required(plan.stage):
                raise _no_signoff("badan pemimpin", "by lead agencies")
            payload = _signoff_payload(plan, position, text)
            payload.update(commitment_id=commitment.id, org_id=org_id, on_behalf=on_behalf)
            return plan, d.SIGNOFF_RECORDED, payload, self._context(state, plan, who)

        position_at = await self._record(actor, prepare)
        return _recorded(await self.state(), position_at)

    async def sign_off_plan(
        self, actor: Actor | None, plan_id: str, position: str, text: str
    ) -> SignOff:
        """A forum member's sign-off of the plan at its gate."""
        def prepare(who: Actor, state: ProcessState) -> Prepared:
            plan = self.plan(state, plan_id)
            forum = forum_of(state, plan.id)
            if who.person_id not in forum.members:
                raise Forbidden("Hanya anggota forum multi-pemangku yang memberi persetujuan "
                                "atas rencana aksi / only members of the multi-stakeholder forum "
                                "sign off the plan")
            if Requirement.FORUM not in forum.required(plan.stage):
                raise _no_signoff("forum", "by the forum")
            payload = _signoff_payload(plan, position, text)
            payload.update(commitment_id=None, org_id=who.org_id, on_behalf=False)
            return plan, d.SIGNOFF_RECORDED, payload, self._context(state, plan, who)

        position_at = await self._record(actor, prepare)
        return _recorded(await self.state(), position_at)


def _signoff_payload(plan: Plan, position: str, text: str) -> dict[str, Any]:
    try:
        chosen = Position(position)
    except ValueError:
        raise Invalid(f"position must be one of {[str(p) for p in Position]}") from None
    if chosen is not Position.AGREE and not text.strip():
        raise Invalid("Keberatan dan catatan keberatan perlu teks / an objection or a "
                      "reservation needs a text", code="text_required")
    return {"plan_id": plan.id, "stage": str(plan.stage), "position": str(chosen),
            "text": text.strip()}


def _recorded(state: ProcessState, position: int) -> SignOff:
    for forum in state.forums.values():
        for item in reversed(forum.signoffs):
            if item.log_position == position:
                return item
    raise Conflict(f"the sign-off at position {position} could not be read back")
