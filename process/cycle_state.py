"""The records and fold handlers of the cycle around co-creation: the consultation's window
and moderation, implementation, progress reports and their evidence.

Kept apart from ``state`` so that the fold of the co-creation stages and this one can grow
without each other; ``state`` merges ``HANDLERS`` into its table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from events.record import Actor, RecordedEvent

from . import domain as d
from .domain import ProgressStatus, ReportKind, Stage

if TYPE_CHECKING:
    from .state import ProcessState


@dataclass(frozen=True)
class Window:
    """The consultation's dates, announced in advance: input is taken from ``opens``
    (included) until ``closes`` (excluded)."""

    opens: datetime
    closes: datetime
    announced_by: Actor
    announced_at: datetime

    def holds(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


@dataclass(frozen=True)
class Hiding:
    reason: str
    actor: Actor
    at: datetime
    position: int


@dataclass(frozen=True)
class Opening:
    """When and by whom the implementation period was opened."""

    actor: Actor
    at: datetime
    position: int


@dataclass(frozen=True)
class Evidence:
    sha256: str
    filename: str
    content_type: str
    size: int
    actor: Actor
    at: datetime
    position: int


@dataclass(frozen=True)
class Report:
    id: str
    commitment_id: str
    kind: ReportKind
    milestone: int | None  # numbered from 1
    status: ProgressStatus | None  # progress reports only
    note: str
    period: str
    actor: Actor
    at: datetime
    position: int
    on_behalf_of: str | None = None  # the Secretariat reporting for the lead agency: its org
    disputes: str | None = None  # a monitoring note disputing this progress report's id
    evidence: tuple[str, ...] = ()  # SHA-256 of uploaded files
    links: tuple[str, ...] = ()


@dataclass
class Implementation:
    """The implementation of one commitment: reports and evidence, oldest first."""

    reports: list[Report] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)  # by SHA-256

    def latest_status(self, milestone: int) -> Report | None:
        return next((r for r in reversed(self.reports)
                     if r.kind is ReportKind.PROGRESS and r.milestone == milestone), None)


def _consultation_scheduled(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    opens, closes = datetime.fromisoformat(p["opens"]), datetime.fromisoformat(p["closes"])
    if opens.tzinfo is None or closes.tzinfo is None or closes <= opens:
        raise ValueError("not a window")  # the service never records one
    s.plans[p["plan_id"]].consultation = Window(opens, closes, e.actor, e.recorded_at)


def _input_hidden(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    s.inputs[p["input_id"]].hidden = Hiding(str(p["reason"]), e.actor, e.recorded_at,
                                            e.position)


def _implementation_opened(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    plan = s.plans[p["plan_id"]]
    if plan.stage is not Stage.FINAL:
        raise ValueError("implementation opens after Final")
    plan.stage = Stage.IMPLEMENTATION
    plan.implementation = Opening(e.actor, e.recorded_at, e.position)


def _progress_reported(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    commitment_id = p["commitment_id"]
    if commitment_id not in s.commitments:
        raise KeyError(commitment_id)
    status = p.get("status")
    milestone = p.get("milestone")
    s.implementation_of(commitment_id).reports.append(Report(
        str(p["report_id"]), commitment_id, ReportKind(p["kind"]),
        int(milestone) if milestone is not None else None,
        ProgressStatus(status) if status is not None else None, str(p.get("note") or ""),
        str(p.get("period") or ""), e.actor, e.recorded_at, e.position,
        p.get("on_behalf_of"), p.get("disputes"), tuple(p.get("evidence") or ()),
        tuple(p.get("links") or ()),
    ))


def _evidence_uploaded(s: ProcessState, e: RecordedEvent, p: dict[str, Any]) -> None:
    commitment_id = p["commitment_id"]
    if commitment_id not in s.commitments:
        raise KeyError(commitment_id)
    found = Evidence(str(p["sha256"]), str(p["filename"]), str(p["content_type"]),
                     int(p["size"]), e.actor, e.recorded_at, e.position)
    s.implementation_of(commitment_id).evidence.setdefault(found.sha256, found)


HANDLERS = {
    d.PLAN_CONSULTATION_SCHEDULED: _consultation_scheduled,
    d.INPUT_HIDDEN: _input_hidden,
    d.PLAN_IMPLEMENTATION_OPENED: _implementation_opened,
    d.PROGRESS_REPORTED: _progress_reported,
    d.EVIDENCE_UPLOADED: _evidence_uploaded,
}

ACCESS_EVENTS = frozenset({d.PLAN_IMPLEMENTATION_OPENED})
"""Of these, the events after which an access decision may differ (the stage changes)."""
