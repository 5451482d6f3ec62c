"""The column layout of the events table, shared by both backends, and cheap row decoding.

Replaying the log decodes every row, so decoding avoids per-row work that repeats: the
actor of consecutive events is usually the same person, and is built once per read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from .record import Actor, Context, PayloadFormat, RecordedEvent, Stakeholder

COLUMNS = (
    "position", "stream_id", "stream_version", "event_id", "type", "payload_format", "payload",
    "actor_person_id", "actor_name", "actor_org_id", "actor_org_name", "actor_stakeholder",
    "plan_id", "stage", "session_id", "recorded_at", "prev_hash", "hash",
)
COLUMN_LIST = ", ".join(COLUMNS)

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
