"""Building a room's document: the latest checkpoint, then the log after it (never rendered text).

A checkpoint is only a shortcut: the document state and client-id bindings as of a stream
version. The log stays the truth, so a missing, stale or unreadable checkpoint only makes
loading slower. Checkpoints live in the data directory, one file per document, written
atomically; the projections part may provide its own later, behind ``CheckpointStore``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pycrdt

from events.catalog import CRDT_UPDATE
from events.store import EventStore

from .ystructs import outline

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


class CheckpointStore(Protocol):
    async def load(self, document_id: str) -> Checkpoint | None: ...

    async def save(self, document_id: str, checkpoint: Checkpoint) -> None: ...


class FileCheckpoints:
    """``<data_dir>/checkpoints/<sha256 of the document id>.ckpt``: a JSON line, then the
    Yjs update bytes."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _path(self, document_id: str) -> Path:
        name = hashlib.sha256(document_id.encode()).hexdigest()[:40]
        return self._directory / f"{name}.ckpt"

    async def load(self, document_id: str) -> Checkpoint | None:
        return await asyncio.to_thread(self._read, document_id)

    def _read(self, document_id: str) -> Checkpoint | None:
        try:
            raw = self._path(document_id).read_bytes()
            header, _, update = raw.partition(b"\n")
            meta = json.loads(header)
            if meta.get("document_id") != document_id:
                return None
            bindings = {int(k): str(v) for k, v in meta["bindings"].items()}
            return Checkpoint(int(meta["version"]), update, bindings)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring unreadable checkpoint of %s: %s", document_id, error)
            return None

    async def save(self, document_id: str, checkpoint: Checkpoint) -> None:
        await asyncio.to_thread(self._write, document_id, checkpoint)

    def _write(self, document_id: str, checkpoint: Checkpoint) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._path(document_id)
        header = json.dumps({
            "document_id": document_id,
            "version": checkpoint.version,
            "bindings": {str(k): v for k, v in checkpoint.bindings.items()},
        }).encode()
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(header + b"\n" + checkpoint.update)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


@dataclass(slots=True)
class LoadedDocument:
    doc: pycrdt.Doc[Any]
    version: int
    bindings: dict[int, str]


async def load_document(
    store: EventStore, document_id: str, checkpoints: CheckpointStore | None
) -> LoadedDocument:
    """The document as the log has it now."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    version = 0
    bindings: dict[int, str] = {}
    checkpoint = await checkpoints.load(document_id) if checkpoints is not None else None
    if checkpoint is not None:
        if checkpoint.version <= await store.stream_version(stream_of(document_id)):
            doc.apply_update(checkpoint.update)
            version = checkpoint.version
            bindings = dict(checkpoint.bindings)
        else:
            log.warning("checkpoint of %s is ahead of the log; rebuilding from the log",
                        document_id)
    loaded = LoadedDocument(doc, version, bindings)
    await catch_up(store, document_id, loaded)
    return loaded


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


def checkpoint_of(loaded: LoadedDocument) -> Checkpoint:
    return Checkpoint(loaded.version, loaded.doc.get_update(), dict(loaded.bindings))
