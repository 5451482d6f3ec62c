"""Fixtures of the audit tests: a real SQLite log holding two plans' history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from audit_history import History, write_history
from plan_story import Story, tell

import events
from audit.keys import load_signer


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[History]:
    data_dir = tmp_path / "data"
    database_url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    store = await events.open_store(database_url)
    try:
        signer = load_signer(data_dir)
        docs = await write_history(store, signer)
        yield History(store, signer, data_dir, database_url, docs)
    finally:
        await store.close()


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    """A whole plan, setup to Final, told through the real process service."""
    store = await events.open_store(f"sqlite:///{tmp_path / 'story.sqlite3'}")
    told = None
    try:
        told = await tell(store, load_signer(tmp_path / "story-data"))
        yield told
    finally:
        # The store first: it ends the runtime's subscription, so closing the runtime cannot
        # wait on a cancellation that Python 3.11's wait_for may swallow.
        await store.close()
        if told is not None:
            await told.runtime.close()
