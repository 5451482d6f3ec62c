"""The column layout of the events table, shared by both backends, and cheap row decoding.

Replaying the log decodes every row, so decoding avoids per-row work that repeats: the
actor of consecutive events is usually the same person, and is built once per read.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .record import (
    Actor,
    Context,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    format_timestamp,
)

COLUMNS = (
    "position", "stream_id", "stream_version", "event_id", "type", "payload_format", "payload",
    "actor_person_id", "actor_name", "actor_org_id", "actor_org_name", "actor_stakeholder",
    "plan_id", "stage", "session_id", "recorded_at", "prev_hash", "hash",
)
COLUMN_LIST = ", ".join(COLUMNS)

WHO_COLUMNS = (
    "actor_person_id", "actor_name", "actor_org_id", "actor_org_name", "actor_stakeholder",
    "plan_id", "stage", "session_id",
)
MATCHABLE = (
    "actor_person_id", "actor_org_id", "actor_stakeholder", "plan_id", "stage", "session_id",
)
"""The columns ``EventStore.read_stream_matching`` can select events by."""

FOLD_COLUMNS = ("position", "stream_id", "stream_version", "type", "payload", "who", "recorded_at")
"""What ``EventStore.read_rows`` returns per event, as a plain tuple in this order: what a fold
of the whole log needs, without an object per event. ``who`` and ``recorded_at`` are in the
form each backend reads fastest: ``who`` is equal for events with equal ``WHO_COLUMNS``
(consecutive events by one person share it) and ``who_values`` reads it; ``time_text`` reads
``recorded_at``."""
FoldRow = tuple[Any, ...]

_FORMATS = {str(member): member for member in PayloadFormat}

# Replay builds one RecordedEvent per row, and a frozen dataclass's __init__ costs twice the
# slot writes it performs. Rows are decoded by writing the slots directly, in field order
# (a field added to RecordedEvent without a column here fails the unpacking at import).
(
    _set_position, _set_stream_id, _set_stream_version, _set_event_id, _set_type,
    _set_payload_format, _set_payload, _set_actor, _set_context, _set_recorded_at,
    _set_prev_hash, _set_hash,
) = (getattr(RecordedEvent, field.name).__set__ for field in dataclasses.fields(RecordedEvent))
_new = object.__new__
_STAKEHOLDERS = {str(member): member for member in Stakeholder}


def row_values(event: RecordedEvent, recorded_at: Any) -> tuple[Any, ...]:
    """One row in ``COLUMNS`` order; ``recorded_at`` in the backend's own representation."""
    actor, context = event.actor, event.context
    return (
        event.position, event.stream_id, event.stream_version, event.event_id, event.type,
        str(event.payload_format), event.payload,
        actor.person_id, actor.name, actor.org_id, actor.org_name, str(actor.stakeholder),
        context.plan_id, context.stage, context.session_id,
        recorded_at, event.prev_hash, event.hash,
    )


def fold_row(event: RecordedEvent) -> FoldRow:
    """``event`` as ``read_rows`` returns it (``who`` and ``recorded_at`` maybe in another
    form: compare them through ``who_values`` and ``time_text``)."""
    actor, context = event.actor, event.context
    who = (actor.person_id, actor.name, actor.org_id, actor.org_name, str(actor.stakeholder),
           context.plan_id, context.stage, context.session_id)
    return (event.position, event.stream_id, event.stream_version, event.type, event.payload,
            who, event.recorded_at)


def who_values(who: Any) -> tuple[Any, ...]:
    """A fold row's ``who`` as the values of ``WHO_COLUMNS``."""
    return tuple(json.loads(who)) if isinstance(who, str) else tuple(who)


def time_text(recorded_at: Any) -> str:
    """A fold row's ``recorded_at`` as ``record.format_timestamp`` text."""
    return recorded_at if isinstance(recorded_at, str) else format_timestamp(recorded_at)


def match_clauses(match: Mapping[str, str], placeholder: Callable[[int], str]) -> str:
    """`` AND column = <placeholder n>`` for each column of ``match`` (checked against
    ``MATCHABLE``, so no caller's string ever becomes SQL)."""
    unknown = set(match) - set(MATCHABLE)
    if unknown:
        raise ValueError(f"cannot select events by {sorted(unknown)}; use {MATCHABLE}")
    return "".join(f" AND {column} = {placeholder(n)}" for n, column in enumerate(match))


def decode_rows(
    rows: Iterable[Sequence[Any]], parse_time: Callable[[Any], datetime]
) -> list[RecordedEvent]:
    # Keyed by the raw column values: one slice and one dict lookup per row, not two objects.
    attributions: dict[tuple[Any, ...], tuple[Actor, Context]] = {}
    last_time: Any = None
    moment = datetime.min
    out: list[RecordedEvent] = []
    append = out.append
    for row in rows:
        key: tuple[Any, ...] = tuple(row[7:15])
        attribution = attributions.get(key)
        if attribution is None:
            stakeholder = _STAKEHOLDERS.get(row[11]) or Stakeholder(row[11])
            attribution = attributions[key] = (
                Actor(row[7], row[8], row[9], row[10], stakeholder),
                Context(row[12], row[13], row[14]),
            )
        stored_time = row[15]
        if stored_time != last_time:  # one group commit stamps many rows alike
            last_time, moment = stored_time, parse_time(stored_time)
        event = _new(RecordedEvent)
        _set_position(event, row[0])
        _set_stream_id(event, row[1])
        _set_stream_version(event, row[2])
        _set_event_id(event, row[3])
        _set_type(event, row[4])
        _set_payload_format(event, _FORMATS.get(row[5]) or PayloadFormat(row[5]))
        _set_payload(event, row[6])
        _set_actor(event, attribution[0])
        _set_context(event, attribution[1])
        _set_recorded_at(event, moment)
        _set_prev_hash(event, row[16])
        _set_hash(event, row[17])
        append(event)
    return out
