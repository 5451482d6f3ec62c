"""Where projection rows live: the log's own database, through connections of our own.

One interface, two implementations (SQLite file, PostgreSQL), shown equivalent by one
conformance suite (``tests/projections/test_storage.py``). SQL is written once with ``?``
placeholders; the PostgreSQL side numbers them. A transaction either stores everything it
was given or nothing, which is what makes the runner's checkpoint exactly-once.
"""

from __future__ import annotations

import abc
import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

Row = tuple[Any, ...]

SCHEMA_VERSION = 5
"""Bump when a table changes: opening an older layout drops the projection tables (never the
log) and the runner rebuilds them from position 0."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS projection_schema (version {int} NOT NULL);
CREATE TABLE IF NOT EXISTS projection_checkpoint (
    name TEXT PRIMARY KEY, position {int} NOT NULL);
CREATE TABLE IF NOT EXISTS doc_state (
    document_id TEXT PRIMARY KEY, plan_id TEXT, stream_version {int} NOT NULL,
    position {int} NOT NULL, checkpoint_version {int} NOT NULL,
    checkpoint_bytes {int} NOT NULL, state {blob} NOT NULL, bindings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_checkpoint (
    document_id TEXT NOT NULL, stream_version {int} NOT NULL, position {int} NOT NULL,
    state {blob} NOT NULL, PRIMARY KEY (document_id, stream_version));
CREATE TABLE IF NOT EXISTS doc_who (
    id {int} PRIMARY KEY, person_id TEXT NOT NULL, person_name TEXT NOT NULL,
    org_id TEXT NOT NULL, org_name TEXT NOT NULL, stakeholder TEXT NOT NULL, plan_id TEXT,
    stage TEXT, session_id TEXT);
CREATE TABLE IF NOT EXISTS doc_deletion (
    document_id TEXT NOT NULL, position {int} NOT NULL, who {int} NOT NULL,
    author_id TEXT NOT NULL, chars {int} NOT NULL,
    PRIMARY KEY (document_id, position, author_id));
CREATE TABLE IF NOT EXISTS stage_snapshot (
    document_id TEXT NOT NULL, label TEXT NOT NULL, next_stage TEXT, plan_id TEXT,
    position {int} NOT NULL, stream_version {int} NOT NULL, recorded_at TEXT NOT NULL,
    state {blob} NOT NULL, PRIMARY KEY (document_id, label));
CREATE TABLE IF NOT EXISTS contribution (
    document_id TEXT NOT NULL, plan_id TEXT NOT NULL, stage TEXT NOT NULL,
    session_id TEXT NOT NULL, person_id TEXT NOT NULL, person_name TEXT NOT NULL,
    org_id TEXT NOT NULL, org_name TEXT NOT NULL, stakeholder TEXT NOT NULL,
    inserted {int} NOT NULL, deleted {int} NOT NULL, edits {int} NOT NULL,
    first_at TEXT NOT NULL, last_at TEXT NOT NULL,
    first_position {int} NOT NULL, last_position {int} NOT NULL,
    comments {int} NOT NULL DEFAULT 0, suggestions {int} NOT NULL DEFAULT 0,
    decisions {int} NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, stage, session_id, person_id, org_id));
"""

# Yjs states are stored as they are: PostgreSQL would otherwise compress every checkpoint
# (pglz, on the database's CPU) for little gain on already compact binary.
POSTGRES_EXTRA = """
ALTER TABLE doc_state ALTER COLUMN state SET STORAGE EXTERNAL;
ALTER TABLE doc_checkpoint ALTER COLUMN state SET STORAGE EXTERNAL;
ALTER TABLE stage_snapshot ALTER COLUMN state SET STORAGE EXTERNAL;
"""

PROJECTION_TABLES = (
    "doc_state", "doc_checkpoint", "doc_who", "doc_deletion", "stage_snapshot", "contribution",
    "projection_checkpoint",
)
_OLD_TABLES = ("doc_who", "doc_event", "doc_deletion", "doc_checkpoint", "doc_state",
               "stage_snapshot", "contribution", "projection_checkpoint")


def _schema_statements(stored: int | None, has_tables: bool, int_type: str,
                       blob_type: str) -> list[str]:
    """What brings the tables to ``SCHEMA_VERSION``: nothing when they are there already;
    an older layout is dropped (the runner then rebuilds from the log)."""
    if stored == SCHEMA_VERSION:
        return []
    statements = [f"DROP TABLE IF EXISTS {table}" for table in _OLD_TABLES] if has_tables else []
    statements += [
        part.strip() for part in SCHEMA.format(int=int_type, blob=blob_type).split(";")
        if part.strip()
    ]
    statements += ["DELETE FROM projection_schema",
                   f"INSERT INTO projection_schema (version) VALUES ({SCHEMA_VERSION})"]
    return statements


class StorageError(Exception):
    """The projection database failed; the transaction stored nothing."""


class Transaction(abc.ABC):
    @abc.abstractmethod
    async def execute(self, sql: str, *params: Any) -> None: ...

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abc.abstractmethod
    async def fetch(self, sql: str, *params: Any) -> list[Row]: ...

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows (PostgreSQL streams them with COPY)."""
        if rows:
            marks = ", ".join("?" for _ in columns)
            await self.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )


class Storage(abc.ABC):
    """Projection tables in the database of the log."""

    stores_elsewhere = False
    """True when a transaction's work happens in another process (the database server), so
    storing one batch while the next is folded gains time. SQLite works in this process's
    threads, which would fight the fold for the GIL row by row (measured slower)."""

    @abc.abstractmethod
    def transaction(self) -> Any:
        """``async with storage.transaction() as tx``: all of it or none of it."""

    @abc.abstractmethod
    async def fetch(self, sql: str, *params: Any) -> list[Row]: ...

    async def fetchone(self, sql: str, *params: Any) -> Row | None:
        rows = await self.fetch(sql, *params)
        return rows[0] if rows else None

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def lead(self) -> bool:
        """Try to become the one runner that writes these tables; True if this one is.
        Being the only writer is an optimisation: correctness comes from the runner's
        checkpoint check, so a backend without locks may always answer True."""
        return True

    async def clear(self) -> None:
        """Drop every projection row (the log is untouched), for a rebuild from zero."""
        async with self.transaction() as tx:
            for table in PROJECTION_TABLES:
                await tx.execute(f"DELETE FROM {table}")

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def open_storage(database_url: str) -> Storage:
    if database_url.startswith("sqlite:"):
        return await SqliteStorage.open(sqlite_path(database_url))
    if database_url.startswith(("postgresql://", "postgres://")):
        return await PostgresStorage.open(database_url)
    raise StorageError(f"database URL {database_url!r} is neither sqlite:/// nor postgresql://")


def sqlite_path(database_url: str) -> Path:
    """``sqlite:///PATH``, read the way the log reads it (``events.sqlite.path_of``)."""
    if not database_url.startswith("sqlite:///") or len(database_url) <= len("sqlite:///"):
        raise StorageError(f"{database_url!r} is not a sqlite:///PATH URL")
    return Path(database_url[len("sqlite:///"):])


class _SqliteTransaction(Transaction):
    def __init__(self, owner: SqliteStorage) -> None:
        self._owner = owner

    async def execute(self, sql: str, *params: Any) -> None:
        await self._owner._run(lambda c: c.execute(sql, params))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._owner._run(lambda c: c.executemany(sql, rows))

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        rows: list[Row] = await self._owner._run(
            lambda c: [tuple(r) for r in c.execute(sql, params).fetchall()]
        )
        return rows


class SqliteStorage(Storage):
    """One writer connection on one thread; reads on a second connection so they never see
    a transaction in progress. WAL lets both work beside the log's own connections."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="projections-w")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="projections-r")
        self._write_conn: sqlite3.Connection | None = None
        self._read_conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteStorage:
        storage = cls(path)
        try:
            await storage._run(storage._connect_writer)
            await asyncio.get_running_loop().run_in_executor(
                storage._reader, storage._connect_reader
            )
        except sqlite3.Error as error:
            await storage.close()
            raise StorageError(f"cannot open projections in {path}: {error}") from error
        return storage

    def _connect(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _connect_writer(self, _: Any = None) -> None:
        conn = self._write_conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            stored = None
            if "projection_schema" in names:
                row = conn.execute("SELECT max(version) FROM projection_schema").fetchone()
                stored = row[0]
            for statement in _schema_statements(
                stored, bool(names & set(_OLD_TABLES)), "INTEGER", "BLOB"
            ):
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _connect_reader(self) -> None:
        self._read_conn = self._connect()

    async def _run(self, work: Any) -> Any:
        def call() -> Any:
            return work(self._write_conn)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._writer, call)
        except sqlite3.Error as error:
            raise StorageError(str(error)) from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            await self._run(lambda c: c.execute("BEGIN IMMEDIATE"))
            try:
                yield _SqliteTransaction(self)
            except BaseException:
                await self._run(lambda c: c.execute("ROLLBACK"))
                raise
            await self._run(lambda c: c.execute("COMMIT"))

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        def call() -> list[Row]:
            assert self._read_conn is not None
            return [tuple(row) for row in self._read_conn.execute(sql, params).fetchall()]

        try:
            return await asyncio.get_running_loop().run_in_executor(self._reader, call)
        except sqlite3.Error as error:
            raise StorageError(str(error)) from error

    async def close(self) -> None:
        def close_writer() -> None:
            if self._write_conn is not None:
                self._write_conn.close()
                self._write_conn = None

        def close_reader() -> None:
            if self._read_conn is not None:
                self._read_conn.close()
                self._read_conn = None

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, close_writer)
        await loop.run_in_executor(self._reader, close_reader)
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)


_PLACEHOLDER = re.compile(r"\?")


def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class _PostgresTransaction(Transaction):
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: Any) -> None:
        await self._conn.execute(_numbered(sql), *params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._conn.executemany(_numbered(sql), rows)

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        return [tuple(r) for r in await self._conn.fetch(_numbered(sql), *params)]

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))


LEADER_LOCK = 7201571  # pg advisory lock held by the runner that writes the projections


class PostgresStorage(Storage):
    stores_elsewhere = True

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._leader: Any = None  # the connection holding the leader lock, while we lead

    @classmethod
    async def open(cls, database_url: str) -> PostgresStorage:
        try:
            pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
            # Two runners starting together must not race on CREATE TABLE IF NOT EXISTS.
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(7201570)")
                names = {r[0] for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )}
                stored = None
                if "projection_schema" in names:
                    stored = await conn.fetchval("SELECT max(version) FROM projection_schema")
                statements = _schema_statements(
                    stored, bool(names & set(_OLD_TABLES)), "BIGINT", "BYTEA"
                )
                for statement in statements:
                    await conn.execute(statement)
                if statements:
                    await conn.execute(POSTGRES_EXTRA)
        except (OSError, asyncpg.PostgresError) as error:
            raise StorageError(f"cannot open projections in PostgreSQL: {error}") from error
        return cls(pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                yield _PostgresTransaction(conn)
        except asyncpg.PostgresError as error:
            raise StorageError(str(error)) from error

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        try:
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(_numbered(sql), *params)
        except asyncpg.PostgresError as error:
            raise StorageError(str(error)) from error
        return [tuple(row) for row in rows]

    async def lead(self) -> bool:
        if self._leader is not None:
            return True
        conn = await self._pool.acquire()
        try:
            # A session lock: it lasts as long as this connection, so a crashed leader's
            # lock goes with its connection and another instance takes over.
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                self._leader, conn = conn, None
                return True
            return False
        finally:
            if conn is not None:
                await self._pool.release(conn)

    async def close(self) -> None:
        if self._leader is not None:
            await self._pool.release(self._leader)
            self._leader = None
        await self._pool.close()
