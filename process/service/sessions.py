"""The process commands on sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.record import Actor

from .. import domain as d
from ..domain import Method
from ..errors import Conflict, Invalid
from ..records import Session
from .core import ServiceCore, _iso_date, _text


class SessionCommands(ServiceCore):
    """Co-creation sessions (FD, IW, TC, PC, PCD): opened, attended, minuted, closed."""

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
