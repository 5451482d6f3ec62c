"""The process commands on revisions after Final."""

from __future__ import annotations

from events.record import Actor

from .. import domain as d
from .. import permissions
from ..errors import Conflict, Invalid
from ..records import Commitment
from .core import ServiceCore


class RevisionCommands(ServiceCore):
    """Changes to a commitment after Final: a revision opened with a reason, then closed."""

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
