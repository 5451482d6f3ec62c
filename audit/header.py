"""The signed header of an audit bundle: what the server states about the bundle at export.

Withheld lines carry only a hash, so the lines alone cannot tell an event of another plan from
an event of this plan held back. The header says, under the server's signature, which streams
are given in full and how many events each has (and the position of its last one), and
signs the end of the exported log with a checkpoint made at export (not recorded in the log,
so exporting writes nothing). The signature covers every other field of the header::

    signature = Ed25519(format || " header\\n" || canonical JSON of the header without it)

``format`` being the header's own ``format`` field (``kokreasi-audit-bundle/3``).

``events.record.canonical_json`` is the one JSON spelling (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from events.record import RecordedEvent, canonical_json
from process.domain import COMMITMENT_CREATED, plan_stream

from .keys import Keyring, Signer
from .lines import LineError


def commitment_stream(event: RecordedEvent, plan_id: str) -> str | None:
    """The document stream a ``commitment.created`` of the plan names. It belongs to the plan
    even if some update of it was recorded without the plan's context."""
    if event.stream_id != plan_stream(plan_id) or event.type != COMMITMENT_CREATED:
        return None
    document = event.json_payload().get("document_id")
    return f"doc:{document}" if isinstance(document, str) else None


class HeaderError(ValueError):
    """The header's signature does not verify, or its stream list is malformed."""


@dataclass(frozen=True, slots=True)
class StreamCount:
    """A stream given in full: its versions run 1..events, the last at ``last_position``."""

    stream_id: str
    events: int
    last_position: int

    def to_json(self) -> dict[str, Any]:
        return {"stream_id": self.stream_id, "events": self.events,
                "last_position": self.last_position}


def streams_json(counts: Iterable[StreamCount]) -> list[dict[str, Any]]:
    return [count.to_json() for count in sorted(counts, key=lambda c: c.stream_id)]


def parse_streams(header: Mapping[str, Any]) -> dict[str, StreamCount]:
    try:
        counts = [
            StreamCount(str(s["stream_id"]), int(s["events"]), int(s["last_position"]))
            for s in header["streams"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise LineError(f"the header's streams are not a list of stream_id, events, "
                        f"last_position: {error!r}") from error
    return {count.stream_id: count for count in counts}


def _message(header: Mapping[str, Any]) -> bytes:
    domain = f"{header.get('format')} header\n".encode()
    return domain + canonical_json({k: v for k, v in header.items() if k != "signature"})


def sign_header(header: dict[str, Any], signer: Signer) -> dict[str, Any]:
    signature = signer.sign(_message(header))
    return {**header, "signature": {"key_id": signer.key_id, "signature": signature.hex()}}


def verify_header(header: Mapping[str, Any], keyring: Keyring) -> str:
    """The id of the key that signed ``header``; ``HeaderError`` unless one of ``keyring``
    signed exactly this header."""
    given = header.get("signature")
    try:
        if not isinstance(given, Mapping):
            raise TypeError("not an object")
        key_id = str(given["key_id"])
        signature = bytes.fromhex(str(given["signature"]))
    except (KeyError, TypeError, ValueError) as error:
        raise HeaderError(f"the header's signature is malformed: {error!r}") from error
    key = keyring.get(key_id)
    if key is None:
        raise HeaderError(f"the header is signed by unknown key {key_id}")
    if not key.verify(signature, _message(header)):
        raise HeaderError(
            f"the header's signature by key {key_id} does not match its content: the plan, "
            "the streams given in full, their event counts or the log's size were changed"
        )
    return key_id
