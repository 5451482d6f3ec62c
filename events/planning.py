"""Turning one group-commit batch into rows, under the log-head lock, without touching I/O.

A backend locks the head row, reads the current versions of the batch's streams (those
appended to and those guarding an append) and any
already-stored events with the batch's event ids, and hands them here. Each append is then
decided on its own, in arrival order, against versions that include earlier appends of the
same batch: a stale version or a reused id fails only that append's caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import ConcurrencyError, EventStoreError, GuardFailed, IdempotencyError
from .record import chain_hash, encode_attribution
from .store import Head
from .validation import ValidEvent


@dataclass(frozen=True, slots=True)
class KnownEvent:
    """What idempotency compares for an event id already in the log."""

    position: int
    stream_id: str
    type: str
    payload: bytes


@dataclass(slots=True)
class PendingAppend:
    stream_id: str
    events: list[ValidEvent]
    expected_version: int | None
    future: asyncio.Future[list[int]] = field(repr=False)
    guard: Mapping[str, int] = field(default_factory=dict)  # see ``EventStore.append``

    @property
    def event_ids(self) -> list[str]:
        return [item.new.event_id for item in self.events]

    @property
    def size(self) -> int:
        return sum(len(item.payload) for item in self.events)


@dataclass(slots=True)
class Outcome:
    """The decision for one append: new positions, original positions, or an error."""

    append: PendingAppend
    positions: list[int] | None = None
    error: EventStoreError | None = None


Row = tuple[Any, ...]  # the columns of ``events.rows.COLUMNS``


@dataclass(slots=True)
class Plan:
    rows: list[Row]
    outcomes: list[Outcome]
    head: Head


def streams_of(batch: list[PendingAppend]) -> set[str]:
    """The streams whose versions deciding ``batch`` needs."""
    return {a.stream_id for a in batch} | {s for a in batch for s in a.guard}


def _replayed(append: PendingAppend, known: dict[str, KnownEvent]) -> Outcome | None:
    """Positions of an append already stored, None for a new one, or an IdempotencyError."""
    found = [known.get(item.new.event_id) for item in append.events]
    if all(entry is None for entry in found):
        return None
    for item, entry in zip(append.events, found, strict=True):
        if entry is None:
            return Outcome(append, error=IdempotencyError(
                f"event {item.new.event_id!r} is new but other event ids of the same append "
                "are already stored: an append is resent whole or not at all"
            ))
        if (entry.stream_id, entry.type, entry.payload) != (
            append.stream_id, item.new.type, item.payload
        ):
            return Outcome(append, error=IdempotencyError(
                f"event id {item.new.event_id!r} is already used by a different event "
                f"(position {entry.position}, stream {entry.stream_id!r}, type {entry.type!r})"
            ))
    return Outcome(append, positions=[entry.position for entry in found if entry is not None])


def plan_batch(
    batch: list[PendingAppend],
    head: Head,
    versions: dict[str, int],
    known: dict[str, KnownEvent],
    recorded_at: datetime,
    stored_time: Any,
) -> Plan:
    """Decide every append of ``batch``; ``versions`` and ``known`` are updated in place.

    The rows are hashed with ``recorded_at`` and carry ``stored_time``, the same moment as the
    backend stores it. Attribution is encoded once per (actor, context) of the batch."""
    rows: list[Row] = []
    outcomes: list[Outcome] = []
    attributions: dict[tuple[int, int], bytes] = {}  # ids are stable: the batch holds them
    position, prev_hash = head.position, head.hash
    for append in batch:
        replay = _replayed(append, known)
        if replay is not None:
            outcomes.append(replay)
            continue
        moved = next((s for s, v in append.guard.items() if versions.get(s, 0) != v), None)
        if moved is not None:
            outcomes.append(Outcome(append, error=GuardFailed(
                moved, append.guard[moved], versions.get(moved, 0)
            )))
            continue
        stream_id = append.stream_id
        current = versions.get(stream_id, 0)
        if append.expected_version is not None and append.expected_version != current:
            outcomes.append(Outcome(append, error=ConcurrencyError(
                stream_id, append.expected_version, current
            )))
            continue
        positions = []
        for item in append.events:
            new, actor, context = item.new, item.new.actor, item.new.context
            key = (id(actor), id(context))
            attribution = attributions.get(key)
            if attribution is None:
                attribution = attributions[key] = encode_attribution(actor, context, recorded_at)
            position += 1
            current += 1
            digest = chain_hash(
                position=position, stream_id=stream_id, stream_version=current,
                event_id=new.event_id, type=new.type, payload_format=item.payload_format,
                payload=item.payload, attribution=attribution, prev_hash=prev_hash,
            )
            rows.append((
                position, stream_id, current, new.event_id, new.type, str(item.payload_format),
                item.payload, actor.person_id, actor.name, actor.org_id, actor.org_name,
                str(actor.stakeholder), context.plan_id, context.stage, context.session_id,
                stored_time, prev_hash, digest,
            ))
            prev_hash = digest
            positions.append(position)
            known[new.event_id] = KnownEvent(position, stream_id, new.type, item.payload)
        versions[stream_id] = current
        outcomes.append(Outcome(append, positions=positions))
    return Plan(rows, outcomes, Head(position, prev_hash))


def settle(outcomes: list[Outcome]) -> None:
    """Tell each caller its result, once the batch's transaction has committed."""
    for outcome in outcomes:
        future = outcome.append.future
        if future.done():
            continue
        if outcome.error is not None:
            future.set_exception(outcome.error)
        else:
            future.set_result(outcome.positions or [])
