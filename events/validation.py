"""Checks an event must pass before it may enter the log, done before any database work.

Validation needs no database, so a bad event fails its own caller at once and never joins a
group commit where it could disturb other callers' appends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import payload_format_of
from .errors import InvalidEventError, PayloadTooLarge
from .record import (
    STREAM_ID_PATTERN,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    Stakeholder,
    canonical_json,
)


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """A new event whose type is known and whose payload is in its stored (hashed) form."""

    new: NewEvent
    payload_format: PayloadFormat
    payload: bytes


def check_stream_id(stream_id: Any) -> str:
    if not isinstance(stream_id, str) or STREAM_ID_PATTERN.fullmatch(stream_id) is None:
        raise InvalidEventError(
            f"stream id {stream_id!r} is malformed: expected 'kind:identifier', "
            "e.g. 'doc:3f2a' or 'plan:ran-ogi-vii'"
        )
    return stream_id


def _text(value: Any, what: str, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise InvalidEventError(f"{what} must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidEventError(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")  # hashed as UTF-8: a lone surrogate would fail the whole batch
    except UnicodeEncodeError as error:
        raise InvalidEventError(f"{what} is not valid Unicode text") from error


_STAKEHOLDERS = frozenset(str(member) for member in Stakeholder)


def _check_attribution(actor: Any, context: Any) -> None:
    if not isinstance(actor, Actor):
        raise InvalidEventError("every event needs an Actor (from the authenticated session)")
    for name in ("person_id", "name", "org_id", "org_name"):
        _text(getattr(actor, name), f"actor.{name}", optional=False)
    if actor.stakeholder not in _STAKEHOLDERS:
        raise InvalidEventError(f"actor.stakeholder {actor.stakeholder!r} is not one of "
                                f"{sorted(_STAKEHOLDERS)}")
    if not isinstance(context, Context):
        raise InvalidEventError("an event's context must be a Context")
    for name in ("plan_id", "stage", "session_id"):
        _text(getattr(context, name), f"context.{name}", optional=True)


def _payload_bytes(event: NewEvent, payload_format: PayloadFormat) -> bytes:
    if payload_format is PayloadFormat.BINARY:
        if isinstance(event.payload, bytes | bytearray | memoryview):
            return bytes(event.payload)
        raise InvalidEventError(
            f"event type {event.type!r} takes a binary payload, not {type(event.payload).__name__}"
        )
    if isinstance(event.payload, bytes | bytearray | memoryview):
        raise InvalidEventError(f"event type {event.type!r} takes a JSON value, not bytes")
    try:
        return canonical_json(event.payload)
    except (TypeError, ValueError, RecursionError) as error:
        raise InvalidEventError(
            f"payload of {event.type!r} is not a JSON value: {error}"
        ) from error


# Attributions already found valid. A live session appends many events under one actor and
# context; checking their eight strings once is enough (they are frozen).
_valid_attributions: set[tuple[Actor, Context]] = set()
_MAX_REMEMBERED = 4096


def validate_event(event: Any, max_payload: int) -> ValidEvent:
    if not isinstance(event, NewEvent):
        raise InvalidEventError(f"expected a NewEvent, got {type(event).__name__}")
    payload_format = payload_format_of(event.type) if isinstance(event.type, str) else None
    if payload_format is None:
        raise InvalidEventError(f"unknown event type {event.type!r} (not in events.catalog)")
    event_id = event.event_id
    _text(event_id, "event id", optional=False)
    if not 0 < len(event_id) <= 200:
        raise InvalidEventError(f"event id {event_id!r} is not 1 to 200 characters long")
    attribution = (event.actor, event.context)
    try:
        checked = attribution in _valid_attributions
    except TypeError:  # a field that is not a string, perhaps a list: refused just below
        checked = False
    if not checked:
        _check_attribution(event.actor, event.context)
        if len(_valid_attributions) >= _MAX_REMEMBERED:
            _valid_attributions.clear()
        _valid_attributions.add(attribution)
    payload = _payload_bytes(event, payload_format)
    if len(payload) > max_payload:
        raise PayloadTooLarge(len(payload), max_payload)
    return ValidEvent(event, payload_format, payload)


def _version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_guard(guard: Any) -> dict[str, int]:
    """The guard of an append (``EventStore.append``) as a plain dict, or InvalidEventError."""
    if guard is None:
        return {}
    if not isinstance(guard, Mapping):
        raise InvalidEventError("guard must map stream ids to versions")
    for stream_id, version in guard.items():
        check_stream_id(stream_id)
        if not _version(version):
            raise InvalidEventError(f"guard version of {stream_id!r} must be >= 0, not "
                                    f"{version!r}")
    return dict(guard)


def validate_append(
    stream_id: Any, events: Sequence[NewEvent], expected_version: Any, max_payload: int
) -> list[ValidEvent]:
    """Validate one append as a whole: if any event is bad, none of them is stored."""
    check_stream_id(stream_id)
    if expected_version is not None and not _version(expected_version):
        raise InvalidEventError(
            f"expected_version must be None or a version >= 0, not {expected_version!r}"
        )
    if isinstance(events, NewEvent) or not isinstance(events, Sequence):
        raise InvalidEventError("append takes a sequence of NewEvent")
    valid = [validate_event(event, max_payload) for event in events]
    ids = [item.new.event_id for item in valid]
    if len(set(ids)) != len(ids):
        raise InvalidEventError("the same event id appears twice in one append")
    return valid
