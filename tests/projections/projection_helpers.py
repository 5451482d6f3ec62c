"""Hand-built histories: real pycrdt documents, their updates sealed as log records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pycrdt import Doc

from events import catalog
from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    seal,
)
from events.store import EventStore

ANI = Actor("p-ani", "Ani", "org-ti", "Transparency International Indonesia", Stakeholder.CSO)
BUDI = Actor("p-budi", "Budi", "org-bappenas", "Kementerian PPN/Bappenas", Stakeholder.KLDI)
SARI = Actor("p-sari", "Sari", "org-ogi", "Sekretariat OGI", Stakeholder.SECRETARIAT)
T0 = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


class Log:
    """An in-memory log of sealed events, as a store would hand them out."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []
        self._versions: dict[str, int] = {}

    def append(
        self, stream_id: str, type_: str, payload: Any, actor: Actor,
        context: Context | None = None,
    ) -> RecordedEvent:
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        binary = isinstance(payload, bytes)
        event = seal(
            position=len(self.events) + 1, stream_id=stream_id, stream_version=version,
            new=NewEvent(type_, payload, actor, context or Context("plan1", "draft1", None)),
            payload_format=PayloadFormat.BINARY if binary else PayloadFormat.JSON,
            payload=payload if binary else canonical_json(payload),
            recorded_at=T0 + timedelta(seconds=len(self.events)),
            prev_hash=self.events[-1].hash if self.events else GENESIS_HASH,
        )
        self.events.append(event)
        return event


class Writer:
    """A person's editor: a pycrdt document whose own transactions become updates."""

    def __init__(self, actor: Actor, client_id: int) -> None:
        self.actor = actor
        self.doc: Doc[Any] = Doc(client_id=client_id)
        self.outbox: list[bytes] = []
        self.doc.observe(self._capture)
        self._receiving = False

    def _capture(self, event: Any) -> None:
        if not self._receiving:
            self.outbox.append(event.update)

    def receive(self, update: bytes) -> None:
        self._receiving = True
        try:
            self.doc.apply_update(update)
        finally:
            self._receiving = False

    def send(self, log: Log, document_id: str, context: Context | None = None) -> list[bytes]:
        sent, self.outbox = self.outbox, []
        for update in sent:
            log.append(f"doc:{document_id}", "crdt.update", update, self.actor, context)
        return sent


async def publish(
    store: EventStore, writer: Writer, document_id: str, context: Context | None = None
) -> list[int]:
    """Append the writer's pending updates to a real log, one event each, as its author."""
    sent, writer.outbox = writer.outbox, []
    positions: list[int] = []
    for update in sent:
        positions += await store.append(f"doc:{document_id}", [NewEvent(
            "crdt.update", update, writer.actor, context or Context("plan1", "draft1", None)
        )])
    return positions


async def advance(store: EventStore, plan_id: str, from_stage: str, to_stage: str) -> int:
    """Record a stage advance the way the process part does (``plan.stage_advanced``)."""
    catalog.register("plan.stage_advanced")
    [position] = await store.append(f"plan:{plan_id}", [NewEvent(
        "plan.stage_advanced", {"plan_id": plan_id, "from": from_stage, "to": to_stage},
        SARI, Context(plan_id, from_stage, None),
    )])
    return position
