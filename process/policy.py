"""The live server's access policy, backed by the folded state of the co-creation process.

``create_policy(app)`` is what the server calls. The policy answers from ``rules`` (the same
table the HTTP API enforces) and calls its listeners, through the runtime, after every event
that may change an answer: a stage advance, a publication, a membership, a person
deactivated, a session opened, attended or closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.applications import Starlette

from events.errors import EventStoreError
from events.record import Context
from server.access import AccessListener, DocumentAccess, Principal

from . import rules
from .runtime import ProcessRuntime, StateUnavailable
from .template import check_update_roots

RUNTIME_ATTRIBUTE = "process_runtime"


class ProcessPolicy:
    def __init__(self, runtime: ProcessRuntime) -> None:
        self.runtime = runtime

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        try:
            state = await self.runtime.ready()
        except (StateUnavailable, EventStoreError):
            return DocumentAccess(False, False, "the process state is unavailable; try again")
        actor = state.actor_for(principal.actor)
        if actor is None:
            return DocumentAccess(
                False, False, "Akun ini sudah dinonaktifkan / this account has been deactivated"
            )
        commitment_id = state.documents.get(document_id)
        if commitment_id is None:
            return DocumentAccess(
                False, False, "Tidak ada komitmen dengan dokumen ini / no commitment has this "
                "document"
            )
        commitment = state.commitments[commitment_id]
        plan = state.plans[commitment.plan_id]
        session = state.open_session_for(plan.id, actor.org_id)
        context = Context(plan.id, str(plan.stage), session.id if session else None)
        read = rules.can_read(state, actor, commitment)
        if not read.allowed:
            return DocumentAccess(False, False, read.reason, context)
        write = rules.can_write_text(state, actor, commitment)
        return DocumentAccess(True, write.allowed, write.reason, context,
                              update_check=check_update_roots)

    def on_change(self, listener: AccessListener) -> None:
        self.runtime.on_change(listener)


def runtime_of(app: Starlette) -> ProcessRuntime:
    """The app's process runtime, created on first use; it follows ``app.state.store``."""
    runtime: ProcessRuntime | None = getattr(app.state, RUNTIME_ATTRIBUTE, None)
    if runtime is None:
        runtime = ProcessRuntime(lambda: app.state.store)
        setattr(app.state, RUNTIME_ATTRIBUTE, runtime)
        _close_on_shutdown(app, runtime)
    return runtime


def _close_on_shutdown(app: Starlette, runtime: ProcessRuntime) -> None:
    """Stop following the log when the app shuts down, before the server closes its store."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Mapping[str, Any] | None]:
        async with inner(app_) as maybe_state:
            try:
                yield maybe_state
            finally:
                await runtime.close()

    app.router.lifespan_context = lifespan  # type: ignore[assignment]


def create_policy(app: Starlette) -> ProcessPolicy:
    # The process's one hook at app creation: a malformed setting stops the server at start,
    # not at the first public input.
    from .http import trusted_proxies_of

    trusted_proxies_of(app)
    return ProcessPolicy(runtime_of(app))
