"""The live server's access policy, backed by the folded state of the co-creation process.

The composition root gives the live server a ``ProcessPolicy`` over the app's runtime. The
policy answers from ``permissions`` (the same table the HTTP API enforces) and calls its listeners,
through the runtime, after every event that may change an answer: a stage advance, a
publication, a membership, a person deactivated, a session opened, attended or closed.
"""

from __future__ import annotations

from starlette.applications import Starlette

from events.errors import EventStoreError
from events.record import Context
from identity.access import AccessListener, DocumentAccess, Principal, SignInRefused

from . import permissions
from .domain import person_stream, plan_stream
from .negotiation.guard import check_client_update
from .runtime import ProcessRuntime, StateUnavailable
from .state import ProcessState

RUNTIME_ATTRIBUTE = "process_runtime"


class ProcessPolicy:
    def __init__(self, runtime: ProcessRuntime) -> None:
        self.runtime = runtime

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        try:
            state = await self.runtime.ready()
        except (StateUnavailable, EventStoreError):
            return DocumentAccess(False, False, "the process state is unavailable; try again")
        try:
            actor = state.actor_for(principal.actor)
        except SignInRefused as refused:
            return DocumentAccess(False, False, refused.message)
        commitment_id = state.documents.get(document_id)
        if commitment_id is None:
            return DocumentAccess(
                False, False, "Tidak ada komitmen dengan dokumen ini / no commitment has this "
                "document", actor=actor,
            )
        commitment = state.commitments[commitment_id]
        plan = state.plans[commitment.plan_id]
        session = state.open_session_for(plan.id, actor.org_id)
        context = Context(plan.id, str(plan.stage), session.id if session else None)
        read = permissions.can_read(state, actor, commitment)
        if not read.allowed:
            return DocumentAccess(False, False, read.reason, context, actor=actor)
        write = permissions.can_write_text(state, actor, commitment)
        return DocumentAccess(True, write.allowed, write.reason, context,
                              update_check=check_client_update, actor=actor,
                              guard=_guard(state, plan.id, actor.person_id))

    def on_change(self, listener: AccessListener) -> None:
        self.runtime.on_change(listener)


def _guard(state: ProcessState, plan_id: str, person_id: str) -> dict[str, int]:
    """The streams whose events can withdraw this write access: the plan's (stage advance,
    revision closed) and, for a registered person, theirs (deactivation)."""
    streams = [plan_stream(plan_id)]
    if person_id in state.people:
        streams.append(person_stream(person_id))
    return {stream: state.version_of(stream) for stream in streams}


def runtime_of(app: Starlette) -> ProcessRuntime:
    """The runtime the composition root (``kokreasi.app``) gave this app."""
    runtime: ProcessRuntime | None = getattr(app.state, RUNTIME_ATTRIBUTE, None)
    if runtime is None:
        raise RuntimeError("the process routes need the app that kokreasi.app.create_app builds")
    return runtime
