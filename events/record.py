"""The event record: what every backend stores and what the verifier recomputes.

One canonical encoding and one hash function live here so that SQLite, PostgreSQL, the
offline audit verifier and any third party checking an export agree byte for byte.

Canonical encoding (version 1), the input of SHA-256:

    b"kokreasi/event/v1" then, for each field in ``HASHED_FIELDS`` order,
    a 4-byte big-endian length followed by the field's bytes.

Text fields are UTF-8; integers are their decimal ASCII form; an absent optional field is
the empty byte string (so ``None`` and ``""`` are deliberately the same); ``recorded_at`` is
``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ``payload`` is the stored bytes as they are (canonical JSON
for JSON payloads, see ``canonical_json``); ``prev_hash`` is the 32 raw bytes. Length
prefixes make the encoding unambiguous without escaping.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS_HASH = bytes(32)
HASH_DOMAIN = b"kokreasi/event/v1"
DEFAULT_MAX_PAYLOAD = 1024 * 1024

STREAM_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(-|:)[A-Za-z0-9_.:-]{1,200}$")
"""A stream id is ``kind:identifier`` or ``kind-identifier``, e.g. ``doc:3f2a...``,
``plan:ran-ogi-vii``. The kind prefix lets readers tell document streams from domain streams."""


class Stakeholder(StrEnum):
    CSO = "cso"
    KLDI = "kldi"
    SECRETARIAT = "secretariat"
    PUBLIC = "public"
    AUDITOR = "auditor"
    SYSTEM = "system"  # the server itself (migrations, the demo seeder); never a person


class PayloadFormat(StrEnum):
    BINARY = "binary"  # a Yjs update, stored as its exact bytes
    JSON = "json"  # a domain event, stored as canonical JSON bytes


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a contribution, as the authenticated session knows them (never the payload)."""

    person_id: str
    name: str
    org_id: str
    org_name: str
    stakeholder: Stakeholder

    @classmethod
    def system(cls) -> Actor:
        return cls("system", "Kokreasi", "system", "Kokreasi", Stakeholder.SYSTEM)


@dataclass(frozen=True, slots=True)
class Context:
    """Where a contribution was made: the plan, its stage then, and the open session, if any."""

    plan_id: str | None = None
    stage: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event on its way into the log. ``payload`` is bytes for BINARY types and a JSON
    value for JSON types; the catalogue (``events.catalog``) says which a type is."""

    type: str
    payload: bytes | Any
    actor: Actor
    context: Context = field(default_factory=Context)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as the log holds it. Instances are only ever built by a store or a verifier."""

    position: int
    stream_id: str
    stream_version: int
    event_id: str
    type: str
    payload_format: PayloadFormat
    payload: bytes
    actor: Actor
    context: Context
    recorded_at: datetime
    prev_hash: bytes
    hash: bytes

    def json_payload(self) -> Any:
        if self.payload_format is not PayloadFormat.JSON:
            raise TypeError(f"event {self.position} ({self.type}) has a binary payload")
        return json.loads(self.payload)


def canonical_json(value: Any) -> bytes:
    """The one JSON spelling used for hashing: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _hashed_fields(
    position: int,
    stream_id: str,
    stream_version: int,
    event_id: str,
    type_: str,
    payload_format: str,
    payload: bytes,
    actor: Actor,
    context: Context,
    recorded_at: datetime,
    prev_hash: bytes,
) -> tuple[bytes, ...]:
    def text(value: str | None) -> bytes:
        return (value or "").encode("utf-8")

    return (
        str(position).encode(),
        text(stream_id),
        str(stream_version).encode(),
        text(event_id),
        text(type_),
        text(payload_format),
        payload,
        text(actor.person_id),
        text(actor.name),
        text(actor.org_id),
        text(actor.org_name),
        text(str(actor.stakeholder)),
        text(context.plan_id),
        text(context.stage),
        text(context.session_id),
        format_timestamp(recorded_at).encode(),
        prev_hash,
    )


def compute_hash(
    *,
    position: int,
    stream_id: str,
    stream_version: int,
    event_id: str,
    type: str,
    payload_format: str,
    payload: bytes,
    actor: Actor,
    context: Context,
    recorded_at: datetime,
    prev_hash: bytes,
) -> bytes:
    digest = hashlib.sha256(HASH_DOMAIN)
    for part in _hashed_fields(
        position,
        stream_id,
        stream_version,
        event_id,
        type,
        payload_format,
        payload,
        actor,
        context,
        recorded_at,
        prev_hash,
    ):
        digest.update(struct.pack(">I", len(part)))
        digest.update(part)
    return digest.digest()


def record_hash(event: RecordedEvent) -> bytes:
    """Recompute the hash an event should carry, from its other fields."""
    return compute_hash(
        position=event.position,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        event_id=event.event_id,
        type=event.type,
        payload_format=str(event.payload_format),
        payload=event.payload,
        actor=event.actor,
        context=event.context,
        recorded_at=event.recorded_at,
        prev_hash=event.prev_hash,
    )


def seal(
    *,
    position: int,
    stream_id: str,
    stream_version: int,
    new: NewEvent,
    payload_format: PayloadFormat,
    payload: bytes,
    recorded_at: datetime,
    prev_hash: bytes,
) -> RecordedEvent:
    """Turn a validated new event into the record a store will insert, hash included."""
    digest = compute_hash(
        position=position,
        stream_id=stream_id,
        stream_version=stream_version,
        event_id=new.event_id,
        type=new.type,
        payload_format=str(payload_format),
        payload=payload,
        actor=new.actor,
        context=new.context,
        recorded_at=recorded_at,
        prev_hash=prev_hash,
    )
    return RecordedEvent(
        position=position,
        stream_id=stream_id,
        stream_version=stream_version,
        event_id=new.event_id,
        type=new.type,
        payload_format=payload_format,
        payload=payload,
        actor=new.actor,
        context=new.context,
        recorded_at=recorded_at,
        prev_hash=prev_hash,
        hash=digest,
    )


# Helpers for stores that seal many events at once. They produce exactly ``compute_hash``'s
# input: the encoding is a run of length-prefixed fields, so the fields an event shares with
# the rest of its batch (actor, context, recorded_at) can be encoded once and reused.

_LENGTH = struct.Struct(">I").pack


def _prefixed(part: bytes) -> bytes:
    return _LENGTH(len(part)) + part


def encode_attribution(actor: Actor, context: Context, recorded_at: datetime) -> bytes:
    """The encoded actor, context and recorded_at fields, in the order compute_hash takes them."""
    return b"".join(_prefixed((value or "").encode("utf-8")) for value in (
        actor.person_id, actor.name, actor.org_id, actor.org_name, str(actor.stakeholder),
        context.plan_id, context.stage, context.session_id, format_timestamp(recorded_at),
    ))


def chain_hash(
    *,
    position: int,
    stream_id: str,
    stream_version: int,
    event_id: str,
    type: str,
    payload_format: str,
    payload: bytes,
    attribution: bytes,
    prev_hash: bytes,
) -> bytes:
    """``compute_hash`` with the attribution fields pre-encoded by ``encode_attribution``."""
    return hashlib.sha256(b"".join((
        HASH_DOMAIN,
        _prefixed(str(position).encode()),
        _prefixed(stream_id.encode("utf-8")),
        _prefixed(str(stream_version).encode()),
        _prefixed(event_id.encode("utf-8")),
        _prefixed(type.encode("utf-8")),
        _prefixed(payload_format.encode("utf-8")),
        _prefixed(payload),
        attribution,
        _prefixed(prev_hash),
    ))).digest()
