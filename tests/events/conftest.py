"""Fixtures of the event-log tests: a store over each backend (``database_url``).

Creating a PostgreSQL database per test costs about half a second (a checkpoint and a file
copy), which would dominate this suite. Here ``postgres_url`` gives each test a fresh, empty
*schema* in one database created for the session instead: as isolated for the event log,
whose connections all use that schema through ``search_path``. Tests that act on the whole
database (dropping it, killing its connections) use ``own_postgres_url``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from eventlog_helpers import RawDatabase

ADMIN_DATABASE_URL = os.environ.get(
    "KOKREASI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_DATABASE_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _database(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_DATABASE_URL)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def shared_postgres_database() -> Iterator[str]:
    name = f"kokreasi_t_events_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _database(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def postgres_url(shared_postgres_database: str) -> AsyncIterator[str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(shared_postgres_database)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    try:
        yield f"{shared_postgres_database}?search_path={schema}"
    finally:
        conn = await asyncpg.connect(shared_postgres_database)
        try:
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            await conn.close()


@pytest.fixture
async def own_postgres_url() -> AsyncIterator[str]:
    """A database of its own, for tests that drop it or kill its connections."""
    name = f"kokreasi_t_{uuid.uuid4().hex[:16]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _database(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def raw(database_url: str) -> RawDatabase:
    return RawDatabase(database_url)
