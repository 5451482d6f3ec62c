"""The JSON Lines of an audit bundle: one header, then one line per log position.

    {"kind": "header", "format": "kokreasi-audit-bundle/3", "plan": ..., "tree_size": N,
     "head_hash": hex, "exported_at": ..., "origin": ..., "public_keys": [...],
     "streams": [{"stream_id": ..., "events": n, "last_position": p}, ...],
     "checkpoint": {checkpoint of size N, signed at export}, "signature": {...}}
    {"kind": "event", "position": 1, "stream_id": ..., "stream_version": ..., "event_id": ...,
     "type": ..., "payload_format": "json" | "binary",
     "payload": <the JSON value>  or  "payload_base64": "<the exact stored bytes>",
     "person_id", "person", "org_id", "organisation", "stakeholder",
     "plan_id", "stage", "session_id", "recorded_at", "prev_hash": hex, "hash": hex}
    {"kind": "withheld", "position": 2, "hash": hex}

The chain and the Merkle tree span the whole log, so every position has a line. Events of
other plans are "withheld": only their record hash is given, which is all the Merkle tree
needs, and nothing of their content leaks. The header is signed (``audit.header``), so which
streams are the plan's, and how many events each has, is the server's signed word.
The specification, for auditors writing their own verifier, is ``docs/audit-bundle.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from events.record import (
    Actor,
    Context,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    format_timestamp,
    parse_timestamp,
)

FORMAT = "kokreasi-audit-bundle/3"
# Still verified: /2 differs only in that its checkpoints are all of note format 1 and its public
# keys carry no vkey (docs/audit-bundle.md, "Versions").
READABLE_FORMATS = (FORMAT, "kokreasi-audit-bundle/2")
UNSIGNED_FORMATS = ("kokreasi-audit-bundle/1",)  # headers nobody signed: no longer accepted


class LineError(ValueError):
    """A bundle line is not what the format says."""


def event_line(event: RecordedEvent) -> dict[str, Any]:
    line: dict[str, Any] = {
        "kind": "event",
        "position": event.position,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_id": event.event_id,
        "type": event.type,
        "payload_format": str(event.payload_format),
    }
    readable = None
    if event.payload_format is PayloadFormat.JSON:
        readable = json.loads(event.payload)
        if canonical_json(readable) != event.payload:
            readable = None  # not canonical as stored: only the exact bytes will verify
    if readable is not None:
        line["payload"] = readable
    else:
        line["payload_base64"] = base64.b64encode(event.payload).decode()
    line.update(
        person_id=event.actor.person_id,
        person=event.actor.name,
        org_id=event.actor.org_id,
        organisation=event.actor.org_name,
        stakeholder=str(event.actor.stakeholder),
        plan_id=event.context.plan_id,
        stage=event.context.stage,
        session_id=event.context.session_id,
        recorded_at=format_timestamp(event.recorded_at),
        prev_hash=event.prev_hash.hex(),
        hash=event.hash.hex(),
    )
    return line


def withheld_line(position: int, record_hash: bytes) -> dict[str, Any]:
    return {"kind": "withheld", "position": position, "hash": record_hash.hex()}


def dumps(line: Mapping[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


def _hash(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise LineError(f"{name} must be a hex string")
    raw = bytes.fromhex(value)
    if len(raw) != 32:
        raise LineError(f"{name} must be 32 bytes, not {len(raw)}")
    return raw


def parse_hash(value: Any, name: str) -> bytes:
    try:
        return _hash(value, name)
    except ValueError as error:
        raise LineError(f"{name} is not a 32-byte hex hash: {error}") from error


def parse_event(line: Mapping[str, Any]) -> RecordedEvent:
    """Rebuild the recorded event exactly as stored, so its hash can be recomputed."""
    try:
        payload_format = PayloadFormat(line["payload_format"])
        if "payload_base64" in line:
            payload = base64.b64decode(str(line["payload_base64"]), validate=True)
        elif payload_format is PayloadFormat.JSON and "payload" in line:
            payload = canonical_json(line["payload"])
        else:
            raise LineError("an event line needs payload (JSON) or payload_base64")
        return RecordedEvent(
            position=int(line["position"]),
            stream_id=str(line["stream_id"]),
            stream_version=int(line["stream_version"]),
            event_id=str(line["event_id"]),
            type=str(line["type"]),
            payload_format=payload_format,
            payload=payload,
            actor=Actor(
                person_id=str(line["person_id"]),
                name=str(line["person"]),
                org_id=str(line["org_id"]),
                org_name=str(line["organisation"]),
                stakeholder=Stakeholder(line["stakeholder"]),
            ),
            context=Context(
                plan_id=line.get("plan_id"),
                stage=line.get("stage"),
                session_id=line.get("session_id"),
            ),
            recorded_at=parse_timestamp(str(line["recorded_at"])),
            prev_hash=parse_hash(line["prev_hash"], "prev_hash"),
            hash=parse_hash(line["hash"], "hash"),
        )
    except LineError:
        raise
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise LineError(f"malformed event line: {error!r}") from error
