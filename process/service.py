"""The commands of the co-creation process: check against the state, append, read back.

Every command takes the actor as the server authenticated them (never from a request body),
checks the permission table (``permissions``) and the state, appends one domain event with the
stream's expected version, and returns only once the state has folded it, so the caller reads
its own write. A refused command appends nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from commitment.template import SECTIONS, read_commitment
from events.catalog import CRDT_UPDATE
from events.errors import ConcurrencyError, EventStoreError, InvalidEventError
from events.record import Actor, Context, NewEvent, Stakeholder
from events.store import ANY_VERSION, NO_STREAM
from identity.access import SignInRefused

from . import domain as d
from . import permissions
from .domain import CRITERIA, Method, ResponseStatus, Stage, next_stage
from .errors import Conflict, Forbidden, Invalid, NotFound, NotSignedIn, Unavailable
from .invitations import (
    INVALID_INVITATION,
    USED_INVITATION,
    InvalidInvitation,
    Invitation,
    sign_invitation,
)
from .privacy import ContactSealer
from .runtime import ProcessRuntime, StateUnavailable
from .seed import seed_update
from .state import (
    Commitment,
    Input,
    Organisation,
    Person,
    Plan,
    ProcessState,
    Session,
    WorkingGroup,
)
from .validation import Problem, validate

logger = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ANONYMOUS_ID = "anonymous"
COMMIT_ATTEMPTS = 12  # a commitment's document is seeded; recording it may lose a race


def new_id() -> str:
    return uuid.uuid4().hex


def anonymous_actor(name: str = "", organisation: str = "") -> Actor:
    """Who gave public input without signing in: what they chose to tell, nothing more."""
    return Actor(ANONYMOUS_ID, name or "Anonim", "public", organisation or "Publik",
                 Stakeholder.PUBLIC)


StageAdvancedHook = Callable[[Context], Awaitable[None]]


class ProcessService:
    def __init__(
        self,
        runtime: ProcessRuntime,
        secret_key: bytes,
        *,
        on_stage_advanced: StageAdvancedHook | None = None,
        previous_secret_keys: Sequence[bytes] = (),
    ) -> None:
        self.runtime = runtime
        self.secret_key = secret_key
        self.previous_secret_keys = tuple(previous_secret_keys)
        self.sealer = ContactSealer(secret_key, previous=self.previous_secret_keys)
        # The audit trail signs a checkpoint here; the process itself need not know how.
        self.on_stage_advanced = on_stage_advanced
        # Commitment numbers are chosen before the document is seeded: one at a time here, so
        # only another instance can race for a number.
        self._commitment_lock = asyncio.Lock()

    # -- reading ----------------------------------------------------------------------------

    async def state(self) -> ProcessState:
        try:
            return await self.runtime.ready()
        except (StateUnavailable, EventStoreError) as error:
            raise Unavailable(f"the event log cannot be read right now: {error}") from error

    async def resolve(self, actor: Actor | None) -> Actor | None:
        """The actor as the log knows them now; refuses a deactivated person."""
        if actor is None:
            return None
        state = await self.state()
        try:
            return state.actor_for(actor)
        except SignInRefused as refused:
            raise NotSignedIn(refused.message, code=refused.code) from None

    def plan(self, state: ProcessState, plan_id: str) -> Plan:
        found = state.plans.get(plan_id)
        if found is None:
            raise NotFound(f"no plan with id {plan_id!r}")
        return found

    def commitment(self, state: ProcessState, commitment_id: str) -> Commitment:
        found = state.commitments.get(commitment_id)
        if found is None:
            raise NotFound(f"no commitment with id {commitment_id!r}")
        return found

    def organisation(self, state: ProcessState, org_id: str) -> Organisation:
        found = state.organisations.get(org_id)
        if found is None:
            raise NotFound(f"no organisation with id {org_id!r}")
        return found

    def person(self, state: ProcessState, person_id: str) -> Person:
        found = state.people.get(person_id)
        if found is None:
            raise NotFound(f"no person with id {person_id!r}")
        return found

    def working_group(self, state: ProcessState, group_id: str) -> WorkingGroup:
        found = state.working_groups.get(group_id)
        if found is None:
            raise NotFound(f"no working group with id {group_id!r}")
        return found

    def session(self, state: ProcessState, session_id: str) -> Session:
        found = state.sessions.get(session_id)
        if found is None:
            raise NotFound(f"no session with id {session_id!r}")
        return found

    def input(self, state: ProcessState, input_id: str) -> Input:
        found = state.inputs.get(input_id)
        if found is None:
            raise NotFound(f"no input with id {input_id!r}")
        return found

    async def validation(self, commitment: Commitment) -> list[Problem]:
        doc = await self.runtime.document(commitment.document_id)
        return validate(read_commitment(doc))

    async def checklist(self, plan: Plan) -> dict[str, Any]:
        """The stage gate: what the Secretariat should see before advancing ``plan``."""
        state = await self.state()
        target = next_stage(plan.stage)
        warnings: list[dict[str, Any]] = []

        def warn(code: str, message_id: str, message_en: str, **where: str) -> None:
            warnings.append({"code": code, "message_id": message_id, "message_en": message_en,
                             **where})

        commitments = state.commitments_of(plan.id)
        if plan.stage is Stage.SETUP:
            if not commitments:
                warn("no_commitments", "Belum ada komitmen", "the plan has no commitments yet")
            for group in state.working_groups.values():
                if group.plan_id == plan.id and not group.members:
                    warn("empty_working_group",
                         f"Kelompok kerja \u201c{group.theme}\u201d belum punya anggota",
                         f"working group \u201c{group.theme}\u201d has no members",
                         working_group_id=group.id)
        elif target is not None:
            for commitment in commitments:
                for problem in await self.validation(commitment):
                    warn(problem.code,
                         f"Komitmen {commitment.number}: {problem.message_id}",
                         f"commitment {commitment.number}: {problem.message_en}",
                         commitment_id=commitment.id, where=problem.where)
        for session in state.sessions.values():
            if session.plan_id == plan.id and session.open:
                warn("session_open", f"Sesi \u201c{session.title}\u201d masih terbuka",
                     f"session \u201c{session.title}\u201d is still open", session_id=session.id)
        if target is Stage.DRAFT4:
            for commitment in commitments:
                if commitment.id not in plan.published:
                    warn("not_published",
                         f"Komitmen {commitment.number} belum dipublikasikan untuk konsultasi",
                         f"commitment {commitment.number} is not published for the consultation",
                         commitment_id=commitment.id)
        if target is Stage.FINAL:
            for item in state.inputs.values():
                if item.plan_id == plan.id and item.response is None:
                    warn("input_without_response",
                         "Ada masukan publik yang belum ditanggapi",
                         "a public input has no reasoned response yet", input_id=item.id)
        return {
            "plan_id": plan.id,
            "from": str(plan.stage),
            "to": str(target) if target is not None else None,
            "warnings": warnings,
        }

    # -- appending --------------------------------------------------------------------------

    async def _write(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> int:
        """Append and wait until folded; a ``ConcurrencyError`` is left to the caller."""
        try:
            positions = await self.runtime.store.append(
                stream_id, events, expected_version=expected_version
            )
            await self.runtime.wait_for(positions[-1])
        except ConcurrencyError:
            raise
        except InvalidEventError as error:
            raise Invalid(str(error)) from error
        except (EventStoreError, StateUnavailable) as error:
            raise Unavailable(f"the event log cannot be written right now: {error}") from error
        return positions[-1]

    async def _append(
        self, stream_id: str, event_type: str, payload: dict[str, Any], actor: Actor,
        context: Context, state: ProcessState,
    ) -> int:
        event = NewEvent(event_type, payload, actor, context)
        try:
            return await self._write(stream_id, [event], state.version_of(stream_id))
        except ConcurrencyError as error:
            raise Conflict(
                "Data ini baru saja diubah orang lain; muat ulang lalu coba lagi / "
                "someone changed this at the same moment; reload and try again"
            ) from error

    def _context(self, state: ProcessState, plan: Plan | None, actor: Actor | None) -> Context:
        if plan is None:
            return Context()
        session = state.open_session_for(plan.id, actor.org_id) if actor is not None else None
        return Context(plan.id, str(plan.stage), session.id if session is not None else None)

    @staticmethod
    def _require(decision: permissions.Decision) -> None:
        if not decision.allowed:
            raise (Conflict if decision.stage_conflict else Forbidden)(decision.reason)

    @staticmethod
    def _signed_in(actor: Actor | None) -> Actor:
        if actor is None:
            raise NotSignedIn("Silakan masuk terlebih dahulu / please sign in first")
        return actor

    async def _manager(self, actor: Actor | None) -> tuple[Actor, ProcessState]:
        signed_in = self._signed_in(await self.resolve(actor))
        self._require(permissions.can_manage(signed_in))
        return signed_in, await self.state()

    @staticmethod
    def _new_id(given: str | None, existing: dict[str, Any], kind: str) -> str:
        if given is None:
            return new_id()
        if not ID_PATTERN.match(given):
            raise Invalid(f"{kind} id {given!r} must be 1-64 letters, digits, '.', '_' or '-'")
        if given in existing:
            raise Conflict(f"a {kind} with id {given!r} already exists", code="exists")
        return given

    # -- plans ------------------------------------------------------------------------------

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
        self, actor: Actor | None, plan_id: str, from_stage: str, acknowledge: bool
    ) -> tuple[Plan, dict[str, Any]]:
        """Advance to the next stage, recording the checklist warnings open at the time.

        ``from_stage`` must name the current stage, so two people pressing the button at once
        advance one stage, not two; with warnings open, ``acknowledge`` must be true."""
        who = self._signed_in(await self.resolve(actor))
        state = await self.state()
        plan = self.plan(state, plan_id)
        self._require(permissions.can_advance(who, plan))
        if from_stage != plan.stage:
            raise Conflict(
                f"the plan is at {plan.stage}, not {from_stage}; reload to see the change",
                code="stage_moved",
            )
        checklist = await self.checklist(plan)
        if checklist["warnings"] and not acknowledge:
            raise Conflict(
                f"{len(checklist['warnings'])} checklist warnings are open; review them and "
                "advance with acknowledge_warnings set to true",
                code="checklist_not_acknowledged",
            )
        payload = {"plan_id": plan.id, "from": checklist["from"], "to": checklist["to"],
                   "warnings": checklist["warnings"]}
        context = self._context(state, plan, who)
        await self._append(d.plan_stream(plan.id), d.PLAN_STAGE_ADVANCED, payload, who,
                           context, state)
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

    # -- organisations and people -----------------------------------------------------------

    async def register_organisation(
        self, actor: Actor | None, name: str, stakeholder: str, org_id: str | None = None
    ) -> Organisation:
        who, state = await self._manager(actor)
        try:
            kind = Stakeholder(stakeholder)
        except ValueError:
            kind = Stakeholder.SYSTEM
        if kind is Stakeholder.SYSTEM:
            raise Invalid("stakeholder must be one of cso, kldi, secretariat, public, auditor")
        org_id = self._new_id(org_id, state.organisations, "organisation")
        payload = {"org_id": org_id, "name": _text(name, "name"), "stakeholder": str(kind)}
        await self._append(d.org_stream(org_id), d.ORGANISATION_REGISTERED, payload, who,
                           Context(), state)
        return state.organisations[org_id]

    async def invite_person(
        self, actor: Actor | None, name: str, org_id: str, contact: str | None = None,
        person_id: str | None = None,
    ) -> tuple[Person, str]:
        """Record the person and return them with their signed invitation token."""
        who, state = await self._manager(actor)
        self.organisation(state, org_id)
        person_id = self._new_id(person_id, state.people, "person")
        invitation_id = new_id()
        payload = {
            "person_id": person_id, "name": _text(name, "name"), "org_id": org_id,
            "contact_sealed": self.sealer.seal(contact) if contact else None,
            "invitation_id": invitation_id,
        }
        await self._append(d.person_stream(person_id), d.PERSON_INVITED, payload, who,
                           Context(), state)
        return state.people[person_id], sign_invitation(self.secret_key, person_id,
                                                        invitation_id)

    async def reissue_invitation(self, actor: Actor | None, person_id: str) -> str:
        """A new link for the person; their earlier links stop working."""
        who, state = await self._manager(actor)
        person = self.person(state, person_id)
        if not person.active:
            raise Conflict("this person is deactivated", code="deactivated")
        invitation_id = new_id()
        await self._append(d.person_stream(person_id), d.PERSON_INVITATION_ISSUED,
                           {"person_id": person_id, "invitation_id": invitation_id}, who,
                           Context(), state)
        return sign_invitation(self.secret_key, person_id, invitation_id)

    async def check_invitation(self, invitation: Invitation) -> Actor:
        """Who the invitation signs in, without using it; raises ``InvalidInvitation``."""
        return self._invited(await self.state(), invitation)

    async def accept_invitation(self, invitation: Invitation) -> Actor:
        """Use a person's invitation link, once: the actor it signs in.

        Raises ``InvalidInvitation`` for a link that is not the person's newest, of a person
        deactivated, or already used (``used_invitation``). Two uses at once, on any instances,
        append to the same stream version: one wins, the other finds the link used."""
        for _ in range(COMMIT_ATTEMPTS):
            state = await self.state()
            who = self._invited(state, invitation)
            stream = d.person_stream(who.person_id)
            event = NewEvent(d.PERSON_INVITATION_ACCEPTED, {
                "person_id": who.person_id, "invitation_id": invitation.invitation_id}, who,
                Context())
            try:
                await self._write(stream, [event], state.version_of(stream))
                return who
            except ConcurrencyError:
                await self._catch_up()  # see what won: a use of the link, or another change
        raise Unavailable("the invitation could not be recorded; try again")

    @staticmethod
    def _invited(state: ProcessState, invitation: Invitation) -> Actor:
        person = state.people.get(invitation.person_id)
        org = state.organisations.get(person.org_id) if person is not None else None
        if (person is None or org is None or not person.active
                or person.invitation_id != invitation.invitation_id):
            raise InvalidInvitation(
                "Tautan undangan ini tidak berlaku lagi / this invitation link is no longer "
                "valid; ask the Secretariat for a new one", INVALID_INVITATION)
        if person.invitation_used:
            raise InvalidInvitation(
                "Tautan undangan ini sudah dipakai; mintalah tautan baru kepada Sekretariat / "
                "this invitation link has already been used; ask the Secretariat for a new one",
                USED_INVITATION)
        return Actor(person.id, person.name, org.id, org.name, org.stakeholder)

    async def sign_out(self, actor: Actor) -> None:
        """End every session of ``actor`` issued until now, on every instance."""
        event = NewEvent(d.PERSON_SIGNED_OUT, {"person_id": actor.person_id}, actor, Context())
        # Any version: a sign-out never conflicts, and ends what was issued before it anyway.
        await self._write(d.person_stream(actor.person_id), [event], ANY_VERSION)

    async def deactivate_person(self, actor: Actor | None, person_id: str, reason: str) -> Person:
        who, state = await self._manager(actor)
        person = self.person(state, person_id)
        if not person.active:
            return person  # already so; nothing to record
        await self._append(d.person_stream(person_id), d.PERSON_DEACTIVATED,
                           {"person_id": person_id, "reason": reason}, who, Context(), state)
        return person

    # -- working groups and commitments -----------------------------------------------------

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

    async def _catch_up(self) -> None:
        """Fold the log up to its head (after losing a race, to see what won)."""
        try:
            await self.runtime.wait_for((await self.runtime.store.head()).position)
        except (EventStoreError, StateUnavailable) as error:
            raise Unavailable(f"the event log cannot be read right now: {error}") from error

    def _check_new_commitment(
        self, state: ProcessState, plan_id: str, group_id: str, number: str
    ) -> Plan:
        plan = self.plan(state, plan_id)
        if plan.stage is Stage.FINAL:
            raise Conflict(permissions.FINAL_FROZEN)
        group = self.working_group(state, group_id)
        if group.plan_id != plan.id:
            raise Invalid(f"working group {group_id!r} belongs to another plan")
        if any(c.number == number for c in state.commitments_of(plan.id)):
            raise Conflict(f"commitment number {number!r} is taken in this plan", code="exists")
        return plan

    # -- revisions after Final --------------------------------------------------------------

    async def open_revision(
        self, actor: Actor | None, commitment_id: str, reason: str
    ) -> Commitment:
        """Reopen one commitment of a final plan for its authors; the reason is recorded."""
        who, state = await self._manager(actor)
        commitment = self.commitment(state, commitment_id)
        plan = state.plans[commitment.plan_id]
        self._require(permissions.can_revise(who, plan))
        if not reason.strip():
            raise Invalid("Revisi perlu alasan / a revision needs a reason",
                          code="reason_required")
        if commitment.open_revision is not None:
            raise Conflict(f"revision {commitment.open_revision.version} of this commitment is "
                           "already open", code="revision_open")
        payload = {"commitment_id": commitment.id, "plan_id": plan.id,
                   "document_id": commitment.document_id,
                   "version": commitment.recorded_version + 1, "reason": reason.strip()}
        await self._append(d.plan_stream(plan.id), d.COMMITMENT_REVISION_OPENED, payload, who,
                           self._context(state, plan, who), state)
        return commitment

    async def close_revision(
        self, actor: Actor | None, commitment_id: str, version: int, summary: str = ""
    ) -> Commitment:
        """Freeze the commitment again, recording its text as ``version``."""
        who, state = await self._manager(actor)
        commitment = self.commitment(state, commitment_id)
        plan = state.plans[commitment.plan_id]
        self._require(permissions.can_revise(who, plan))
        revision = commitment.open_revision
        if revision is None or revision.version != version:
            raise Conflict(f"revision {version} of this commitment is not open",
                           code="revision_not_open")
        payload = {"commitment_id": commitment.id, "plan_id": plan.id,
                   "document_id": commitment.document_id, "version": version,
                   "summary": summary.strip()}
        await self._append(d.plan_stream(plan.id), d.COMMITMENT_REVISION_CLOSED, payload, who,
                           self._context(state, plan, who), state)
        return commitment

    # -- sessions ---------------------------------------------------------------------------

    async def open_session(
        self, actor: Actor | None, plan_id: str, method: str, held_on: str, title: str,
        session_id: str | None = None,
    ) -> Session:
        who, state = await self._manager(actor)
        plan = self.plan(state, plan_id)
        try:
            kind = Method(method)
        except ValueError:
            raise Invalid(f"method must be one of {[str(m) for m in Method]}") from None
        session_id = self._new_id(session_id, state.sessions, "session")
        payload = {"session_id": session_id, "plan_id": plan.id, "method": str(kind),
                   "date": _iso_date(held_on), "title": _text(title, "title")}
        await self._append(d.session_stream(session_id), d.SESSION_OPENED, payload, who,
                           self._context(state, plan, who), state)
        return state.sessions[session_id]

    async def _session_event(
        self, actor: Actor | None, session_id: str, event_type: str, payload: dict[str, Any]
    ) -> Session:
        who, state = await self._manager(actor)
        session = self.session(state, session_id)
        if not session.open:
            raise Conflict("this session is closed", code="session_closed")
        await self._append(d.session_stream(session.id), event_type,
                           {"session_id": session.id, **payload}, who,
                           self._context(state, state.plans.get(session.plan_id), who), state)
        return session

    async def record_attendance(
        self, actor: Actor | None, session_id: str, org_ids: Sequence[str]
    ) -> Session:
        state = await self.state()
        for org_id in org_ids:
            self.organisation(state, org_id)
        if not org_ids:
            raise Invalid("name at least one attending organisation")
        return await self._session_event(actor, session_id, d.SESSION_ATTENDANCE_RECORDED,
                                         {"org_ids": list(org_ids)})

    async def record_minutes(self, actor: Actor | None, session_id: str, minutes: str) -> Session:
        return await self._session_event(actor, session_id, d.SESSION_MINUTES_RECORDED,
                                         {"minutes": _text(minutes, "minutes")})

    async def close_session(self, actor: Actor | None, session_id: str) -> Session:
        return await self._session_event(actor, session_id, d.SESSION_CLOSED, {})

    # -- public input and reasoned responses ------------------------------------------------

    async def submit_input(
        self, actor: Actor | None, commitment_id: str, text: str, target: dict[str, Any],
        name: str = "", organisation: str = "", contact: str | None = None,
    ) -> Input:
        who = await self.resolve(actor)
        state = await self.state()
        commitment = self.commitment(state, commitment_id)
        self._require(permissions.can_give_input(state, who, commitment))
        section = target.get("section")
        milestone = target.get("milestone")
        if section is not None and section not in SECTIONS:
            raise Invalid(f"section must be one of {list(SECTIONS)}")
        if milestone is not None and (isinstance(milestone, bool) or not isinstance(
                milestone, int) or milestone < 1):
            raise Invalid("milestone must be the milestone's number, 1 or more")
        plan = state.plans[commitment.plan_id]
        author = who if who is not None else anonymous_actor(name, organisation)
        input_id = new_id()
        payload = {
            "input_id": input_id, "plan_id": plan.id, "commitment_id": commitment.id,
            "target": {k: v for k, v in (("section", section), ("milestone", milestone))
                       if v is not None},
            # A signed-in person gives input as the registry knows them, whatever the body
            # says; only someone not signed in chooses what to tell (and may tell nothing).
            "text": _text(text, "text"), "name": author.name if who else name,
            "organisation": author.org_name if who else organisation,
            "contact_sealed": self.sealer.seal(contact) if contact else None,
        }
        await self._append(d.input_stream(input_id), d.INPUT_SUBMITTED, payload, author,
                           self._context(state, plan, who), state)
        return state.inputs[input_id]

    async def respond(
        self, actor: Actor | None, input_id: str, status: str, reason: str,
        change_position: int | None = None,
    ) -> Input:
        who = self._signed_in(await self.resolve(actor))
        state = await self.state()
        item = self.input(state, input_id)
        self._require(permissions.can_respond(state, who, item))
        try:
            verdict = ResponseStatus(status)
        except ValueError:
            raise Invalid(f"status must be one of {[str(s) for s in ResponseStatus]}") from None
        if not reason.strip():
            raise Invalid("a reasoned response needs a reason", code="reason_required")
        if change_position is not None and not 0 < change_position <= state.position:
            raise Invalid(f"change_position {change_position} is not a position in the log")
        payload = {"input_id": item.id, "status": str(verdict), "reason": reason.strip(),
                   "change_position": change_position}
        plan = state.plans[item.plan_id]
        await self._append(d.input_stream(item.id), d.INPUT_RESPONDED, payload, who,
                           self._context(state, plan, who), state)
        return item


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise Invalid(f"{field} must not be empty")
    return value.strip()


def _period(start_date: str | None, end_date: str | None) -> dict[str, str]:
    period = {k: _iso_date(v) for k, v in (("start_date", start_date), ("end_date", end_date))
              if v}
    if "start_date" in period and "end_date" in period and \
            period["end_date"] < period["start_date"]:
        raise Invalid("end_date must not be before start_date", code="end_before_start")
    return period


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise Invalid(f"date {value!r} must be YYYY-MM-DD") from None
