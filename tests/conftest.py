"""Shared fixtures: real PostgreSQL and Redis, each test in a database of its own.

PostgreSQL and Redis are found through ``KOKREASI_TEST_DATABASE_URL`` (an admin URL of a
database we may connect to; default the local ``test`` database) and
``KOKREASI_TEST_REDIS_URL``. ``scripts/test`` starts both when they are not running.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

import events
from events.store import EventStore

ADMIN_DATABASE_URL = os.environ.get(
    "KOKREASI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL = os.environ.get("KOKREASI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"kokreasi_t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(ADMIN_DATABASE_URL, name)
    finally:
        admin = await asyncpg.connect(ADMIN_DATABASE_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'events.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over every event-log backend; use with ``database_url``."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def redis_url() -> str:
    return TEST_REDIS_URL


@pytest.fixture
def artifacts_dir() -> Iterator[Path]:
    """Where tests leave screenshots and rendered pages for people to look at (not committed)."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    yield path


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    """The log of the test's own database (SQLite or PostgreSQL, by ``backend``)."""
    opened = await events.open_store(database_url)
    try:
        yield opened
    finally:
        await opened.close()
