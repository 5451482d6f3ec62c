"""What every group of process commands shares: reading the state, appending one domain
event with the stream's expected version and waiting until it is folded, the checks.

Every command takes the actor as the server authenticated them (never from a request body),
checks the permission table (``permissions``) and the state, appends, and returns only once
the state has folded the event, so the caller reads its own write. A refused command appends
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from commitment.template import read_commitment
from events.errors import ConcurrencyError, EventStoreError, GuardFailed, InvalidEventError
from events.record import Actor, Context, NewEvent, Stakeholder
from identity.access import SignInRefused

from .. import permissions
from ..domain import Stage, next_stage
from ..errors import Conflict, Forbidden, Invalid, NotFound, NotSignedIn, Unavailable
from ..evidence import EvidenceStore
from ..forum_views import report_json
from ..gates import gate_report
from ..privacy import ContactSealer
from ..records import Commitment, Input, Organisation, Person, Plan, Session, WorkingGroup
from ..runtime import ProcessRuntime, StateUnavailable
from ..state import ProcessState
from ..validation import BLOCKING, Problem, validate

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


class ServiceCore:
    """Reading the state and appending to the log, for every group of commands."""


    def __init__(
        self,
        runtime: ProcessRuntime,
        secret_key: bytes,
        *,
        on_stage_advanced: StageAdvancedHook | None = None,
        previous_secret_keys: Sequence[bytes] = (),
        evidence_dir: Path | None = None,
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
        # Implementation's evidence files, content-addressed outside the log.
        self.evidence = EvidenceStore(evidence_dir) if evidence_dir is not None else None

    # -- reading -----------------------------------------------------------------------------

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
        return _found(state.plans, plan_id, "plan")

    def commitment(self, state: ProcessState, commitment_id: str) -> Commitment:
        return _found(state.commitments, commitment_id, "commitment")

    def organisation(self, state: ProcessState, org_id: str) -> Organisation:
        return _found(state.organisations, org_id, "organisation")

    def person(self, state: ProcessState, person_id: str) -> Person:
        return _found(state.people, person_id, "person")

    def working_group(self, state: ProcessState, group_id: str) -> WorkingGroup:
        return _found(state.working_groups, group_id, "working group")

    def session(self, state: ProcessState, session_id: str) -> Session:
        return _found(state.sessions, session_id, "session")

    def input(self, state: ProcessState, input_id: str) -> Input:
        return _found(state.inputs, input_id, "input")

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
                             "blocking": code in BLOCKING, **where})

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
                if item.plan_id == plan.id and item.response is None and item.hidden is None:
                    warn("input_without_response",
                         "Ada masukan publik yang belum ditanggapi",
                         "a public input has no reasoned response yet", input_id=item.id)
        gate = gate_report(state, plan)
        for kind, signoffs in (("objection", gate.objections),
                               ("reservation", gate.reservations)):
            for given in signoffs:
                what_id = "Keberatan" if kind == "objection" else "Catatan keberatan"
                what_en = "objection" if kind == "objection" else "reservation"
                whose = f"{given.actor.name} ({given.actor.org_name})"
                warn(f"signoff_{kind}", f"{what_id} dari {whose}: {given.text}",
                     f"{what_en} by {whose}: {given.text}",
                     **({"commitment_id": given.commitment_id} if given.commitment_id else {}))
        return {
            "plan_id": plan.id,
            "from": str(plan.stage),
            "to": str(target) if target is not None else None,
            "warnings": warnings,
            "signoffs": report_json(state, gate),
        }

    # -- appending ---------------------------------------------------------------------------

    async def _write(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None,
        guard: Mapping[str, int] | None = None,
    ) -> int:
        """Append and wait until folded; a ``ConcurrencyError`` or ``GuardFailed`` is left to
        the caller."""
        try:
            positions = await self.runtime.store.append(
                stream_id, events, expected_version=expected_version, guard=guard
            )
            await self.runtime.wait_for(positions[-1])
        except (ConcurrencyError, GuardFailed):
            raise
        except InvalidEventError as error:
            raise Invalid(str(error)) from error
        except (EventStoreError, StateUnavailable) as error:
            raise Unavailable(f"the event log cannot be written right now: {error}") from error
        return positions[-1]

    async def _append(
        self, stream_id: str, event_type: str, payload: dict[str, Any], actor: Actor,
        context: Context, state: ProcessState, guard: Mapping[str, int] | None = None,
    ) -> int:
        event = NewEvent(event_type, payload, actor, context)
        try:
            return await self._write(stream_id, [event], state.version_of(stream_id), guard)
        except (ConcurrencyError, GuardFailed) as error:
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

    async def _catch_up(self) -> None:
        """Fold the log up to its head (after losing a race, to see what won)."""
        try:
            await self.runtime.wait_for((await self.runtime.store.head()).position)
        except (EventStoreError, StateUnavailable) as error:
            raise Unavailable(f"the event log cannot be read right now: {error}") from error


T = TypeVar("T")


def _found(table: Mapping[str, T], key: str, what: str) -> T:
    found = table.get(key)
    if found is None:
        raise NotFound(f"no {what} with id {key!r}")
    return found


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
