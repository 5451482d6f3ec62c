"""The process commands on public input and reasoned responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from commitment.template import SECTIONS
from events.record import Actor

from .. import domain as d
from .. import permissions
from ..consultation import require_inside
from ..domain import ResponseStatus
from ..errors import Invalid
from ..records import Input
from .core import ServiceCore, _text, anonymous_actor, new_id


class InputCommands(ServiceCore):
    """Public input and the Secretariat's reasoned responses."""

    async def submit_input(
        self, actor: Actor | None, commitment_id: str, text: str, target: dict[str, Any],
        name: str = "", organisation: str = "", contact: str | None = None,
        publish_name: bool = False,
    ) -> Input:
        who = await self.resolve(actor)
        state = await self.state()
        commitment = self.commitment(state, commitment_id)
        self._require(permissions.can_give_input(state, who, commitment))
        require_inside(state.plans[commitment.plan_id].consultation, datetime.now(UTC))
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
            # Whether the register may show the name (UU No. 27/2022): the person's choice.
            "publish_name": publish_name,
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
