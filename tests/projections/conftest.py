from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from projections.storage import Storage, open_storage


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    tables = await open_storage(database_url)
    try:
        yield tables
    finally:
        await tables.close()
