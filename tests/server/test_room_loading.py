"""Rooms start from the document state the projections keep (``doc_state``) and apply only the
log after it; a stored state the log does not back is ignored and the room loads exactly
from the log. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pycrdt
import pytest
from live_helpers import TokenFactory, YClient, make_settings, serving

from events.catalog import CRDT_UPDATE
from events.record import Actor, NewEvent, Stakeholder
from events.store import EventStore
from identity.access import OpenPolicy
from kokreasi.app import create_app
from projections.service import ProjectionService
from projections.storage import Storage, open_storage
from server.loading import LoadedDocument, ProjectionCheckpoints, load_document

AYU = Actor("ayu", "Ayu Lestari", "tii", "TII", Stakeholder.CSO)
BUDI = Actor("budi", "Budi", "icw", "ICW", Stakeholder.CSO)
DOC = "loading"


class Typist:
    """One person typing into the log with one Yjs client id: an event per keystroke."""

    def __init__(self, store: EventStore, actor: Actor, client_id: int) -> None:
        self.store = store
        self.actor = actor
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=client_id)
        self.text = self.doc.get("text", type=pycrdt.Text)

    async def type(self, text: str) -> None:
        for char in text:
            before = self.doc.get_state()
            self.text += char
            await self.store.append(
                f"doc:{DOC}", [NewEvent(CRDT_UPDATE, self.doc.get_update(before), self.actor)]
            )

    def sees(self, update: bytes) -> None:
        self.doc.apply_update(update)


def text_of(loaded: LoadedDocument) -> str:
    return str(loaded.doc.get("text", type=pycrdt.Text))


async def folded_then_tail(database_url: str, store: EventStore) -> None:
    """"kept" by Ayu (client 77) and "!" by Budi (client 88), folded by the projections;
    then " tail" by Ayu, which the projections never saw (their runner had stopped)."""
    ayu, budi = Typist(store, AYU, 77), Typist(store, BUDI, 88)
    service = await ProjectionService.start(database_url, store)
    try:
        await ayu.type("kept")
        budi.sees(ayu.doc.get_update())
        await budi.type("!")
        ayu.sees(budi.doc.get_update())
        await asyncio.wait_for(service.wait_until((await store.head()).position), 10)
    finally:
        await service.close()
    await ayu.type(" tail")


@pytest.fixture
async def storage(database_url: str, store: EventStore) -> AsyncIterator[Storage]:
    await folded_then_tail(database_url, store)
    # Only read: no runner follows the log now, so the stored state stays 5 events behind.
    opened = await open_storage(database_url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_room_starts_from_the_stored_state_and_applies_only_the_log_tail(
    store: EventStore, storage: Storage
) -> None:
    loaded = await load_document(store, DOC, ProjectionCheckpoints(storage))
    from_log = await load_document(store, DOC, None)

    assert (loaded.checkpoint_version, loaded.replayed) == (5, 5)
    assert (from_log.checkpoint_version, from_log.replayed) == (0, 10)
    assert text_of(loaded) == text_of(from_log) == "kept! tail"
    assert loaded.version == from_log.version == 10
    assert loaded.doc.get_state() == from_log.doc.get_state()
    # Who owns which Yjs client id survives the shortcut: the server refuses forged ids by it.
    assert loaded.bindings == from_log.bindings == {77: "ayu", 88: "budi"}


def _other_content(text: str) -> bytes:
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=99)
    doc["text"] = pycrdt.Text(text)
    return doc.get_update()


# How a stored state can disagree with the log: restored from different backups, a half-written
# row, a layout the server does not know.
DISAGREEMENTS = {
    "ahead of the log": ("UPDATE doc_state SET stream_version = stream_version + 3, state = ?",
                         _other_content("kept! tail and edits the log lost")),
    "another history": ("UPDATE doc_state SET position = position + 1000, state = ?",
                        _other_content("a different past")),
    "unreadable state": ("UPDATE doc_state SET state = ?", b"\x05not a yjs update"),
    "unreadable bindings": ("UPDATE doc_state SET bindings = ?", "{not json"),
    "bindings of another layout": ("UPDATE doc_state SET bindings = ?", '{"77": "ayu"}'),
}


@pytest.mark.parametrize("case", list(DISAGREEMENTS))
async def test_a_stored_state_the_log_does_not_back_is_ignored(
    store: EventStore, storage: Storage, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    sql, value = DISAGREEMENTS[case]
    async with storage.transaction() as tx:
        await tx.execute(f"{sql} WHERE document_id = ?", value, DOC)

    with caplog.at_level(logging.WARNING, logger="kokreasi.loading"):
        loaded = await load_document(store, DOC, ProjectionCheckpoints(storage))
    from_log = await load_document(store, DOC, None)

    assert (loaded.checkpoint_version, loaded.replayed) == (0, 10)
    assert text_of(loaded) == text_of(from_log) == "kept! tail"
    assert loaded.doc.get_state() == from_log.doc.get_state()
    assert loaded.bindings == {77: "ayu", 88: "budi"}
    assert any(DOC in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def loads_of(caplog: pytest.LogCaptureFixture, document_id: str) -> list[tuple[int, int]]:
    """(checkpoint version, events replayed) of each load of ``document_id``, as logged."""
    return [(r.checkpoint_version, r.replayed) for r in caplog.records
            if r.name == "kokreasi.loading" and getattr(r, "document_id", None) == document_id
            and hasattr(r, "replayed")]


async def test_after_a_restart_the_room_loads_from_the_projections(
    tmp_path: Path, database_url: str, token: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kokreasi.loading")
    app = create_app(make_settings(tmp_path, database_url), policy=OpenPolicy())
    async with serving(app) as address:
        url = f"ws://{address}/ws/restart?token="
        async with YClient(url + token() + "&saved=1", client_id=77) as writer:
            await writer.synced.wait()
            for part in ("one ", "two ", "three"):
                writer.text += part
                await writer.wait_saved()
        head = await app.state.store.head()
        await asyncio.wait_for(app.state.projections.wait_until(head.position), 10)
    assert loads_of(caplog, "restart") == [(0, 0)]  # a new document: nothing anywhere yet

    again = create_app(make_settings(tmp_path, database_url), policy=OpenPolicy())
    async with serving(again) as address:
        url = f"ws://{address}/ws/restart?token="
        async with YClient(url + token("Budi", "ICW", "cso")) as reader:
            await reader.synced.wait()
            assert str(reader.text) == "one two three"
        async with YClient(url + token("Budi", "ICW", "cso"), client_id=77) as forger:
            await forger.synced.wait()
            forger.text += "!"  # client id 77 is still Ayu's, as the stored bindings say
            await asyncio.wait_for(forger.closed.wait(), 5)
            assert forger.close_code == 4409
        assert await again.state.store.stream_version("doc:restart") == 3
    assert loads_of(caplog, "restart") == [(0, 0), (3, 0)]
