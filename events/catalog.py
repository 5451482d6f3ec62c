"""The catalogue of event types the log accepts, and the payload format of each.

A store refuses a type that is not listed here, so a typo can never reach the log. Each area
of the product registers its types in this one place, grouped by stream kind.
"""

from __future__ import annotations

from .record import PayloadFormat

CRDT_UPDATE = "crdt.update"

EVENT_TYPES: dict[str, PayloadFormat] = {
    # The text of a commitment: one Yjs update (v1 encoding) per event, under its author.
    CRDT_UPDATE: PayloadFormat.BINARY,
}


def register(type_name: str, payload_format: PayloadFormat = PayloadFormat.JSON) -> str:
    """Declare an event type; returns the name so modules can write ``X = register("x.y")``."""
    known = EVENT_TYPES.get(type_name)
    if known is not None and known is not payload_format:
        raise ValueError(f"event type {type_name!r} is already registered as {known}")
    EVENT_TYPES[type_name] = payload_format
    return type_name


def payload_format_of(type_name: str) -> PayloadFormat | None:
    return EVENT_TYPES.get(type_name)
