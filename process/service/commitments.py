"""The process commands on working groups and commitments."""

from __future__ import annotations

import asyncio
import random

from events.catalog import CRDT_UPDATE
from events.errors import ConcurrencyError
from events.record import Actor, NewEvent, Stakeholder
from events.store import NO_STREAM

from .. import domain as d
from .. import permissions
from ..domain import ADOPTED, CRITERIA
from ..errors import Conflict, Invalid
from ..records import Commitment, Plan, WorkingGroup
from ..seed import seed_update
from ..state import ProcessState
from .core import COMMIT_ATTEMPTS, ServiceCore, _period, _text


class CommitmentCommands(ServiceCore):
    """Working groups, their members, and the commitments they write."""

    async def create_working_group(
        self, actor: Actor | None, plan_id: str, theme: str, description: str = "",
        group_id: str | None = None,
    ) -> WorkingGroup:
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        group_id = self._new_id(group_id, state.working_groups, "working group")
        payload = {"working_group_id": group_id, "plan_id": plan.id,
                   "theme": _text(theme, "theme"), "description": description}
        await self._append(d.working_group_stream(group_id), d.WORKING_GROUP_CREATED, payload,
                           who, self._context(state, plan, who), state)
        return state.working_groups[group_id]

    async def add_member(
        self, actor: Actor | None, group_id: str, org_id: str, person_id: str | None,
        criteria: dict[str, str],
    ) -> WorkingGroup:
        """Add an organisation (or one person of it) with the joining criteria it meets."""
        who, state = await self._manager(actor)
        group = self.working_group(state, group_id)
        org = self.organisation(state, org_id)
        if org.stakeholder not in (Stakeholder.CSO, Stakeholder.KLDI, Stakeholder.SECRETARIAT):
            raise Invalid("working groups are made of CSOs, K/L/D/I and the Secretariat")
        if person_id is not None and self.person(state, person_id).org_id != org_id:
            raise Invalid(f"person {person_id!r} does not belong to organisation {org_id!r}")
        unknown = sorted(set(criteria) - set(CRITERIA))
        if unknown:
            raise Invalid(f"unknown joining criteria {unknown}; use {list(CRITERIA)}")
        met = {k: v.strip() for k, v in criteria.items() if v.strip()}
        if not met:
            raise Invalid(
                "record at least one joining criterion (focus, research, plans, experts) "
                "with a short explanation"
            )
        payload = {"working_group_id": group.id, "org_id": org_id, "person_id": person_id,
                   "criteria": met}
        plan = state.plans.get(group.plan_id)
        await self._append(d.working_group_stream(group.id), d.WORKING_GROUP_MEMBER_ADDED,
                           payload, who, self._context(state, plan, who), state)
        return group

    async def create_commitment(
        self, actor: Actor | None, plan_id: str, group_id: str, title: str,
        number: str | None = None, commitment_id: str | None = None,
        document_id: str | None = None, *, start_date: str | None = None,
        end_date: str | None = None, lead_agency: str | None = None,
    ) -> Commitment:
        """Record a commitment and seed its document with the title and meta.

        The document is seeded first, while no commitment names it (so nobody can have edited
        it), with ``NO_STREAM`` (so it is seeded once); then the commitment is recorded. Should
        that append lose a race on the plan's stream, it is checked and tried again with the
        same ids and number, which the seeded document already carries."""
        async with self._commitment_lock:
            who, state = await self._manager(actor)
            commitment_id = self._new_id(commitment_id, state.commitments, "commitment")
            document_id = self._new_id(document_id, state.documents, "document")
            number = number.strip() if number else state.next_number(plan_id)
            plan = self._check_new_commitment(state, plan_id, group_id, number)
            payload = {"commitment_id": commitment_id, "plan_id": plan.id,
                       "working_group_id": group_id, "number": number,
                       "title": _text(title, "title"), "document_id": document_id}
            meta = {"number": number, **_period(start_date, end_date)}
            if lead_agency and lead_agency.strip():
                meta["lead_agency"] = lead_agency.strip()
            context = self._context(state, plan, who)
            seed = NewEvent(CRDT_UPDATE, seed_update(payload["title"], meta), who, context)
            try:
                await self._write(d.document_stream(document_id), [seed], NO_STREAM)
            except ConcurrencyError as error:
                raise Conflict(f"document {document_id!r} already has text",
                               code="exists") from error
            event = NewEvent(d.COMMITMENT_CREATED, payload, who, context)
            for _ in range(COMMIT_ATTEMPTS):
                try:
                    await self._write(d.plan_stream(plan.id), [event],
                                      state.version_of(d.plan_stream(plan.id)))
                    return state.commitments[commitment_id]
                except ConcurrencyError:
                    # A random pause spreads out instances that lost the same race.
                    await asyncio.sleep(random.uniform(0.0, 0.02))
                    await self._catch_up()
                    if commitment_id in state.commitments:
                        raise Conflict(f"a commitment with id {commitment_id!r} already "
                                       "exists", code="exists") from None
                    plan = self._check_new_commitment(state, plan_id, group_id, number)
                    if str(plan.stage) != context.stage:
                        raise Conflict(f"the plan moved to {plan.stage} meanwhile; try again",
                                       code="stage_moved") from None
            raise Conflict(
                "Data ini baru saja diubah orang lain; muat ulang lalu coba lagi / "
                "someone changed this at the same moment; reload and try again"
            )


    def _check_new_commitment(
        self, state: ProcessState, plan_id: str, group_id: str, number: str
    ) -> Plan:
        plan = self.plan(state, plan_id)
        if plan.stage in ADOPTED:
            raise Conflict(permissions.FINAL_FROZEN)
        group = self.working_group(state, group_id)
        if group.plan_id != plan.id:
            raise Invalid(f"working group {group_id!r} belongs to another plan")
        if any(c.number == number for c in state.commitments_of(plan.id)):
            raise Conflict(f"commitment number {number!r} is taken in this plan", code="exists")
        return plan
