"""The batch sealing helpers hash exactly what ``compute_hash`` hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    Stakeholder,
    chain_hash,
    compute_hash,
    encode_attribution,
)

ACTORS = [
    Actor("p-1", "Siti Nurhaliza", "o-1", "Kementerian PPN/Bappenas", Stakeholder.KLDI),
    Actor("p-2", "Ñandú ✓", "o-2", "", Stakeholder.PUBLIC),
]
CONTEXTS = [Context(), Context("ran-ogi-vii", "draft3", None), Context("", "final", "tc-1")]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("payload", [b"", b"\x00\x01" * 50, '{"a":"é"}'.encode()])
def test_chain_hash_equals_compute_hash(actor: Actor, context: Context, payload: bytes) -> None:
    moment = datetime(2026, 3, 12, 9, 30, 0, 123456, tzinfo=UTC)
    fields: dict[str, Any] = {
        "position": 1234567, "stream_id": "doc:3f2a", "stream_version": 89,
        "event_id": "evt-ü", "type": "crdt.update", "payload_format": "binary",
        "payload": payload, "prev_hash": GENESIS_HASH,
    }
    expected = compute_hash(**fields, actor=actor, context=context, recorded_at=moment)
    attribution = encode_attribution(actor, context, moment)
    assert chain_hash(**fields, attribution=attribution) == expected
    other = chain_hash(**{**fields, "position": 1234568}, attribution=attribution)
    assert other != expected
