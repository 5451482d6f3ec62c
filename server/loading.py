"""Building a room's document: the latest stored state, then the log after it (never rendered
text).

The stored state is only a shortcut: the document state and client-id bindings as of a stream
version, kept by the projections (``doc_state``, read through ``projections.latest``). The log
stays the truth, so a missing, stale or unreadable state only makes loading slower, and one
the log does not back (ahead of it, or ending with another event than the log has at that
version, e.g. after restoring the log from a backup) is ignored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import pycrdt

from events.catalog import CRDT_UPDATE
from events.store import EventStore
from projections.latest import latest_state
from projections.storage import Storage
from ycodec import outline

log = logging.getLogger("kokreasi.loading")

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
READ_PAGE = 1000


def stream_of(document_id: str) -> str:
    return f"doc:{document_id}"


@dataclass(slots=True)
class Checkpoint:
    version: int
    update: bytes
    bindings: dict[int, str] = field(default_factory=dict)
    position: int | None = None  # of the event at ``version``, when known: checked against the log


class CheckpointStore(Protocol):
    async def load(self, document_id: str) -> Checkpoint | None: ...


class ProjectionCheckpoints:
    """The projections' latest document states (``doc_state``), written by their runner."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def load(self, document_id: str) -> Checkpoint | None:
        try:
            latest = await latest_state(self._storage, document_id)
        except Exception as error:  # whatever fails here, the log still serves
            log.warning("ignoring the stored state of %s: %s", document_id, error)
            return None
        if latest is None or latest.stream_version <= 0:
            return None
        return Checkpoint(latest.stream_version, latest.state, latest.bindings, latest.position)


@dataclass(slots=True)
class LoadedDocument:
    doc: pycrdt.Doc[Any]
    version: int
    bindings: dict[int, str]
    checkpoint_version: int = 0  # where the log's events started applying (0: from the start)
    replayed: int = 0  # events read from the log while loading


async def load_document(
    store: EventStore, document_id: str, checkpoints: CheckpointStore | None
) -> LoadedDocument:
    """The document as the log has it now."""
    checkpoint = await checkpoints.load(document_id) if checkpoints is not None else None
    loaded = None
    if checkpoint is not None:
        loaded = await _from_checkpoint(store, document_id, checkpoint)
    if loaded is None:
        loaded = LoadedDocument(pycrdt.Doc(), 0, {})
    loaded.replayed = await catch_up(store, document_id, loaded)
    log.info("loaded %s: %d events from the log after version %d", document_id,
             loaded.replayed, loaded.checkpoint_version,
             extra={"document_id": document_id, "checkpoint_version": loaded.checkpoint_version,
                    "replayed": loaded.replayed})
    return loaded


async def _from_checkpoint(
    store: EventStore, document_id: str, checkpoint: Checkpoint
) -> LoadedDocument | None:
    """A start from ``checkpoint`` if the log backs it, else None."""
    at = await store.read_stream(
        stream_of(document_id), after_version=checkpoint.version - 1, limit=1
    )
    if not at or at[0].stream_version != checkpoint.version:
        log.warning("stored state of %s is ahead of the log; loading from the log",
                    document_id)
        return None
    if checkpoint.position is not None and at[0].position != checkpoint.position:
        log.warning("stored state of %s follows another history than the log; loading from "
                    "the log", document_id)
        return None
    # A fresh document: an update that fails halfway must not leave its part behind.
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    try:
        doc.apply_update(checkpoint.update)
    except ValueError as error:
        log.warning("ignoring the unreadable stored state of %s: %s", document_id, error)
        return None
    return LoadedDocument(doc, checkpoint.version, dict(checkpoint.bindings),
                          checkpoint_version=checkpoint.version)


async def catch_up(store: EventStore, document_id: str, loaded: LoadedDocument) -> int:
    """Apply what the log has after ``loaded.version``; return how many events that was."""
    applied = 0
    while True:
        page = await store.read_stream(
            stream_of(document_id), after_version=loaded.version, limit=READ_PAGE
        )
        for event in page:
            if event.type == CRDT_UPDATE:
                loaded.doc.apply_update(event.payload)
                for client in outline(event.payload).writers:
                    loaded.bindings.setdefault(client, event.actor.person_id)
            loaded.version = event.stream_version
        applied += len(page)
        if len(page) < READ_PAGE:
            return applied
