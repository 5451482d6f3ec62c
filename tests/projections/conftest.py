from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import events
from events.store import EventStore
from projections.storage import Storage, open_storage


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    log = await events.open_store(database_url)
    try:
        yield log
    finally:
        await log.close()


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    tables = await open_storage(database_url)
    try:
        yield tables
    finally:
        await tables.close()
