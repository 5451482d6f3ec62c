"""Rebuilding every document of a bundle from its CRDT updates, with no server.

Each ``doc:`` stream in a bundle is complete (the verifier checks its versions run 1..n), so
applying its updates in order gives the document exactly as the server had it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Text

from events.record import RecordedEvent


class ReplayError(ValueError):
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"position {position}: {reason}")
        self.position = position


@dataclass(slots=True)
class Replayed:
    stream_id: str
    doc: Doc[Any] = field(default_factory=Doc)
    updates: int = 0

    @property
    def document_id(self) -> str:
        return self.stream_id.split(":", 1)[1]

    def title(self) -> str:
        return str(self.doc.get("title", type=Text))


class Replayer:
    """Feed events in position order; CRDT updates are applied to their stream's document."""

    def __init__(self) -> None:
        self.documents: dict[str, Replayed] = {}

    def apply(self, event: RecordedEvent) -> None:
        if event.type != "crdt.update":
            return
        replayed = self.documents.get(event.stream_id)
        if replayed is None:
            replayed = self.documents[event.stream_id] = Replayed(event.stream_id)
        try:
            replayed.doc.apply_update(event.payload)
        except Exception as error:  # pycrdt raises bare exceptions for undecodable updates
            raise ReplayError(event.position, f"the CRDT update does not apply: {error}") from error
        replayed.updates += 1
