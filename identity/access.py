"""Who may read and write which document, as the live server asks it.

The live server never decides permissions itself: it asks an ``AccessPolicy`` when a
connection opens, and again whenever the policy says something changed (a stage advance, a
membership change, a person deactivated), so open connections gain or lose write access at
once. The co-creation process (``process.policy``) provides the real policy; ``OpenPolicy``
is the stand-in used before a plan exists (the Secretariat writes, CSOs write, others read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from events.record import Actor, Context, Stakeholder


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated person, as the server knows them from a verified token or cookie."""

    actor: Actor
    token_id: str = ""
    issued_at: float = 0.0  # Unix seconds; a sign-out ends the sessions issued before it

    @property
    def person_id(self) -> str:
        return self.actor.person_id

    @property
    def stakeholder(self) -> Stakeholder:
        return self.actor.stakeholder


class SignInRefused(Exception):
    """A sign-in the server will not act on (a deactivated person, claims the registry
    contradicts, a bad token): ``status`` 401, or 503 while the registry cannot be read;
    ``message`` in words a person understands (Indonesian / English)."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


UpdateCheck = Callable[[Any, bytes], "str | None"]
"""``check(document_before, update)``: a refusal in words a person understands, or None.
The policy knows what a document may contain (e.g. the commitment template's root names);
the server runs the check on every update before it is logged."""


@dataclass(frozen=True, slots=True)
class DocumentAccess:
    can_read: bool
    can_write: bool
    reason: str = ""  # why writing (or reading) is refused, in words a person understands
    context: Context = field(default_factory=Context)  # plan, stage, open session, for the log
    update_check: UpdateCheck | None = None
    actor: Actor | None = None  # who the registry says the principal is: the author of edits
    # Stream versions the decision rests on: an edit it allows is logged only while every one
    # of these streams is still at its version, so no edit lands after the event (a stage
    # advance, a deactivation) that withdrew the right to make it.
    guard: Mapping[str, int] = field(default_factory=dict)


def acting(principal: Principal, access: DocumentAccess) -> Actor:
    """The actor a connection's edits and presence carry."""
    return access.actor if access.actor is not None else principal.actor


AccessListener = Callable[[], Awaitable[None]]


class AccessPolicy(Protocol):
    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        """What ``principal`` may do with ``document_id`` right now."""
        ...

    def on_change(self, listener: AccessListener) -> None:
        """Call ``listener`` after anything that may change an answer of ``access``."""
        ...


class OpenPolicy:
    """Before the process module knows a plan: the Secretariat and CSOs write, others read."""

    WRITERS = frozenset({Stakeholder.SECRETARIAT, Stakeholder.CSO})

    def __init__(self) -> None:
        self._listeners: list[AccessListener] = []

    async def access(self, principal: Principal, document_id: str) -> DocumentAccess:
        if principal.stakeholder in self.WRITERS:
            return DocumentAccess(can_read=True, can_write=True)
        return DocumentAccess(
            can_read=True, can_write=False, reason="only CSOs and the Secretariat write now"
        )

    def on_change(self, listener: AccessListener) -> None:
        self._listeners.append(listener)
