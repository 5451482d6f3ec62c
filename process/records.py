"""The records of the co-creation process: plans, organisations, people, working groups,
commitments and their revisions, sessions, public inputs and their responses.

Plain data, built only by the fold of the log (``state.ProcessState``) and read by everything
that answers from it (permissions, views, the service, the exports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.record import Actor, Stakeholder

from . import domain as d
from .cycle_state import Hiding, Opening, Window
from .domain import Method, Stage


@dataclass
class StageChange:
    from_stage: Stage
    to_stage: Stage
    warnings: list[str]
    position: int  # the snapshot of the stage that ended is the log before this position
    actor: Actor
    at: datetime
    objection_reason: str = ""  # why the Secretariat advanced over objections, if any


@dataclass
class Plan:
    id: str
    title: str
    period: str
    stage: Stage
    created_at: datetime
    commitment_ids: list[str] = field(default_factory=list)
    published: set[str] = field(default_factory=set)  # commitment ids the public may read
    history: list[StageChange] = field(default_factory=list)
    consultation: Window | None = None  # the consultation's announced dates
    implementation: Opening | None = None  # set once implementation is opened


@dataclass
class Organisation:
    id: str
    name: str
    stakeholder: Stakeholder


@dataclass
class Person:
    id: str
    name: str
    org_id: str
    contact_sealed: str | None
    invitation_id: str  # only the newest invitation link of a person signs them in
    active: bool = True
    invitation_used: bool = False  # and only once
    deactivated_reason: str = ""


@dataclass
class Membership:
    org_id: str
    person_id: str | None  # None: the whole organisation is a member
    criteria: dict[str, str]
    added_at: datetime


@dataclass
class WorkingGroup:
    id: str
    plan_id: str
    theme: str
    description: str
    members: list[Membership] = field(default_factory=list)


@dataclass
class Revision:
    """A change to a commitment after Final: open while its authors edit, then recorded."""

    version: int  # the version it makes; Final is version 1
    reason: str
    opened_by: Actor
    opened_at: datetime
    opened_position: int
    summary: str = ""
    closed_by: Actor | None = None
    closed_at: datetime | None = None
    closed_position: int | None = None  # the version is the log before this position

    @property
    def open(self) -> bool:
        return self.closed_position is None


@dataclass
class Commitment:
    id: str
    plan_id: str
    working_group_id: str
    number: str
    title: str
    document_id: str
    created_at: datetime
    revisions: list[Revision] = field(default_factory=list)

    @property
    def open_revision(self) -> Revision | None:
        last = self.revisions[-1] if self.revisions else None
        return last if last is not None and last.open else None

    @property
    def recorded_version(self) -> int:
        """The last version recorded after Final: 1 (Final itself) plus closed revisions."""
        return 1 + sum(1 for r in self.revisions if not r.open)


@dataclass
class Session:
    id: str
    plan_id: str
    method: Method
    date: str
    title: str
    opened_at: datetime
    open: bool = True
    attendance: list[str] = field(default_factory=list)  # organisation ids
    minutes: str = ""
    opened_position: int = 0
    closed_position: int | None = None


@dataclass
class Response:
    status: d.ResponseStatus
    reason: str
    change_position: int | None
    actor: Actor
    at: datetime
    position: int


@dataclass
class Input:
    id: str
    plan_id: str
    commitment_id: str
    target: dict[str, Any]
    text: str
    name: str
    organisation: str
    contact_sealed: str | None
    submitted_at: datetime
    position: int
    session_id: str | None
    responses: list[Response] = field(default_factory=list)
    # Inputs recorded before consent was asked were published with their names.
    publish_name: bool = True
    channel: str = "online"  # or "face_to_face": entered by the Secretariat from a meeting
    hidden: Hiding | None = None  # by the Secretariat, with a reason; never deleted

    @property
    def response(self) -> Response | None:
        return self.responses[-1] if self.responses else None

    @property
    def published_name(self) -> str:
        """The name the register shows: the person's only with their consent."""
        if not self.name:
            return ""
        return self.name if self.publish_name else "Anonim"
