"""The embedded backend: one SQLite file in WAL mode, fsynced on every commit.

sqlite3 blocks, so each connection lives on a thread of its own and the event loop only
awaits it: one writer connection (every append, through group commit) and one reader
connection (WAL lets it read while the writer commits). Writers in other processes are
serialised by ``BEGIN IMMEDIATE``, which takes the database write lock before the log head is
read: position order is commit order. Appends of other processes wake no one here, so an
idle subscriber also polls every ``_poll_interval``.

Checkpoints run off the commit path: a third connection copies the WAL back into the database
(PASSIVE, so it never blocks the writer) after commits, instead of the commit that crosses
SQLite's small default threshold doing it while its callers wait. A group commit writes
hundreds of WAL pages (random index pages), so that threshold was crossed every few batches.
The writer keeps a larger automatic threshold as the backstop when checkpoints fall behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from . import migrations
from .base import LogStore
from .errors import StoreUnavailable
from .planning import KnownEvent, PendingAppend, Plan, plan_batch, settle, streams_of
from .record import RecordedEvent, format_timestamp, utc_now
from .rows import COLUMN_LIST, COLUMNS, WHO_COLUMNS, FoldRow, decode_rows, match_clauses
from .store import Head
from .versions import VersionCache

T = TypeVar("T")

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
WAL_AUTOCHECKPOINT_PAGES = 10_000  # the backstop: 40 MB of WAL at the default 4 KB pages
# An event dirties about three pages (table, stream index, event id index), so this is near
# SQLite's default of 1000 pages: a lone writer checkpoints about as often as it used to.
CHECKPOINT_AFTER_ROWS = 300

_INSERT = (
    f"INSERT INTO events ({COLUMN_LIST}) VALUES ({', '.join('?' for _ in COLUMNS)})"
)

# Lists travel as one JSON parameter: no limit on bound parameters, one statement to prepare.
_STREAM_VERSIONS = (
    "SELECT s.value, (SELECT max(stream_version) FROM events WHERE stream_id = s.value) "
    "FROM json_each(?) AS s"
)
_KNOWN_IDS = (
    "SELECT event_id, position, stream_id, type, payload FROM events "
    "WHERE event_id IN (SELECT value FROM json_each(?))"
)

# Stores of this process on the same file wake each other's subscribers at once.
_neighbours: dict[str, weakref.WeakSet[SqliteStore]] = {}


def path_of(database_url: str) -> Path:
    if not database_url.startswith("sqlite:///") or len(database_url) <= len("sqlite:///"):
        raise StoreUnavailable(f"{database_url!r} is not a sqlite:///PATH URL")
    return Path(database_url[len("sqlite:///"):])


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. The switch needs the file to itself and SQLite reports "locked" at once
    instead of waiting, so processes opening a new log together retry for a while."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class _Connection:
    """A sqlite3 connection confined to its own thread."""

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self.path = path
        self._read_only = read_only
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="kokreasi-sqlite")
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        if self._read_only:
            conn.execute("PRAGMA query_only = 1")
        else:
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
        self._conn = conn

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        def call() -> T:
            if self._conn is None:
                self._connect()
            return work(self._conn, *args)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"SQLite event log {self.path}: {error}") from error

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, close)
        finally:
            self._executor.shutdown(wait=False)


def _roll_back(conn: sqlite3.Connection) -> None:
    """After a failure: end the transaction, without hiding the failure behind another."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {migrations.SCHEMA_MIGRATIONS_TABLE} ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT"
    )
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = {row[0] for row in conn.execute(
            f"SELECT version FROM {migrations.SCHEMA_MIGRATIONS_TABLE}"
        )}
        for migration in migrations.load("sqlite"):
            if migration.version in applied:
                continue
            for statement in migrations.sqlite_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                f"INSERT INTO {migrations.SCHEMA_MIGRATIONS_TABLE} VALUES (?, ?, ?)",
                (migration.version, migration.name, format_timestamp(utc_now())),
            )
        conn.execute("COMMIT")
    except BaseException:
        _roll_back(conn)
        raise


def _commit(conn: sqlite3.Connection, batch: list[PendingAppend], cache: VersionCache) -> Plan:
    conn.execute("BEGIN IMMEDIATE")
    try:
        position, head_hash = conn.execute("SELECT position, hash FROM log_head").fetchone()
        head = Head(position, head_hash)
        versions, missing = cache.lookup(head, streams_of(batch))
        if missing:
            # One index seek per stream (a correlated max), not a scan of its versions.
            versions.update(
                (stream_id, version or 0)
                for stream_id, version in conn.execute(_STREAM_VERSIONS, (json.dumps(missing),))
            )
        ids = json.dumps([event_id for append in batch for event_id in append.event_ids])
        known = {
            row[0]: KnownEvent(row[1], row[2], row[3], row[4])
            for row in conn.execute(_KNOWN_IDS, (ids,))
        }
        now = utc_now()
        plan = plan_batch(batch, head, versions, known, now, format_timestamp(now))
        if plan.rows:
            conn.executemany(_INSERT, plan.rows)
            conn.execute(
                "UPDATE log_head SET position = ?, hash = ? WHERE singleton = 1",
                (plan.head.position, plan.head.hash),
            )
        conn.execute("COMMIT")
    except BaseException:
        _roll_back(conn)
        raise
    cache.committed(plan.head, versions)  # plan_batch left the batch's new versions in it
    return plan


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _decode(rows: Iterable[Any]) -> list[RecordedEvent]:
    return decode_rows(rows, datetime.fromisoformat)


def _read_all(conn: sqlite3.Connection, after: int, limit: int) -> list[RecordedEvent]:
    return _decode(conn.execute(
        f"SELECT {COLUMN_LIST} FROM events WHERE position > ? ORDER BY position LIMIT ?",
        (after, limit),
    ))


_NO_END = 2**63 - 1  # SQLite's largest integer: "no upper bound" for a position
_FOLD_SELECT = (
    f"SELECT position, stream_id, stream_version, type, payload, "
    f"json_array({', '.join(WHO_COLUMNS)}), recorded_at "
    "FROM events WHERE position > ? ORDER BY position LIMIT ?"
)


def _read_rows(conn: sqlite3.Connection, after: int, limit: int) -> list[FoldRow]:
    return conn.execute(_FOLD_SELECT, (after, limit)).fetchall()


def _read_stream_rows(
    conn: sqlite3.Connection, stream_id: str, after: int, until: int, limit: int, who_after: int
) -> list[FoldRow]:
    return conn.execute(
        f"SELECT position, stream_id, stream_version, type, payload, CASE WHEN position > ? "
        f"THEN json_array({', '.join(WHO_COLUMNS)}) END, recorded_at FROM events "
        # Versions are gapless, so the next ``limit`` events have the next ``limit``
        # versions: said outright, the scan stops there even when ``until`` cuts it short.
        "WHERE stream_id = ? AND stream_version > ? AND stream_version <= ? AND position <= ? "
        "ORDER BY stream_version", (who_after, stream_id, after, after + limit, until),
    ).fetchall()


def _read_stream_matching(
    conn: sqlite3.Connection, stream_id: str, match: dict[str, str], after: int, limit: int
) -> list[RecordedEvent]:
    return _decode(conn.execute(
        f"SELECT {COLUMN_LIST} FROM events WHERE stream_id = ? AND position > ?"
        f"{match_clauses(match, lambda _: '?')} ORDER BY stream_version LIMIT ?",
        (stream_id, after, *match.values(), limit),
    ))


def _stream_position_at(conn: sqlite3.Connection, stream_id: str, moment: str) -> int:
    row = conn.execute(
        "SELECT position FROM events WHERE stream_id = ? AND recorded_at <= ? "
        "ORDER BY stream_version DESC LIMIT 1", (stream_id, moment),
    ).fetchone()
    return 0 if row is None else int(row[0])


def _read_stream(
    conn: sqlite3.Connection, stream_id: str, after: int, limit: int
) -> list[RecordedEvent]:
    return _decode(conn.execute(
        f"SELECT {COLUMN_LIST} FROM events WHERE stream_id = ? AND stream_version > ? "
        "ORDER BY stream_version LIMIT ?",
        (stream_id, after, limit),
    ))


def _head(conn: sqlite3.Connection) -> Head:
    position, head_hash = conn.execute("SELECT position, hash FROM log_head").fetchone()
    return Head(position, head_hash)


def _stream_version(conn: sqlite3.Connection, stream_id: str) -> int:
    row = conn.execute(
        "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = ?", (stream_id,)
    ).fetchone()
    return int(row[0])


class SqliteStore(LogStore):
    _poll_interval = 0.1

    def __init__(self, path: Path, **options: Any) -> None:
        super().__init__(**options)
        self.path = path
        self._writer = _Connection(path, read_only=False)
        self._reader = _Connection(path, read_only=True)
        self._checkpointer = _Connection(path, read_only=False)
        self._checkpointing: asyncio.Task[None] | None = None
        self._rows_since_checkpoint = 0
        self._key = str(path.resolve())
        self._versions = VersionCache()  # used only on the writer thread
        self._loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, database_url: str, **options: Any) -> SqliteStore:
        path = path_of(database_url)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"cannot create the directory of {path}: {error}") from error
        store = cls(path, **options)
        try:
            await store._writer.run(_migrate)
        except BaseException:
            await store._close_backend()
            raise
        _neighbours.setdefault(store._key, weakref.WeakSet()).add(store)
        return store

    async def _commit_batch(self, batch: list[PendingAppend]) -> None:
        plan = await self._writer.run(_commit, batch, self._versions)
        settle(plan.outcomes)
        if plan.rows:
            self._rows_since_checkpoint += len(plan.rows)
            if self._rows_since_checkpoint >= CHECKPOINT_AFTER_ROWS and (
                self._checkpointing is None or self._checkpointing.done()
            ):
                self._rows_since_checkpoint = 0
                self._checkpointing = self._loop.create_task(self._checkpoint())
            for store in list(_neighbours.get(self._key, ())):
                store._wake_from(self._loop)

    async def _checkpoint(self) -> None:
        try:
            await self._checkpointer.run(_checkpoint)
        except StoreUnavailable as error:
            # Nothing is lost: the WAL keeps every frame until a later checkpoint copies it.
            log.warning("background checkpoint failed: %s", error)

    def _wake_from(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake this store's subscribers, from code running on ``loop``."""
        if loop is self._loop:
            self._wake_subscribers()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake_subscribers)

    async def read_all(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        self._check_open()
        return await self._reader.run(_read_all, after_position, -1 if limit is None else limit)

    async def read_rows(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[FoldRow]:
        self._check_open()
        return await self._reader.run(_read_rows, after_position, -1 if limit is None else limit)

    async def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        self._check_open()
        return await self._reader.run(
            _read_stream, stream_id, after_version, -1 if limit is None else limit
        )

    async def read_stream_rows(
        self, stream_id: str, *, after_version: int = 0, until_position: int | None = None,
        limit: int | None = None, who_after: int = 0,
    ) -> list[FoldRow]:
        self._check_open()
        return await self._reader.run(
            _read_stream_rows, stream_id, after_version,
            _NO_END if until_position is None else until_position,
            _NO_END - after_version if limit is None else limit, who_after,
        )

    async def read_stream_matching(
        self, stream_id: str, match: Mapping[str, str], *, after_position: int = 0,
        limit: int = 100,
    ) -> list[RecordedEvent]:
        self._check_open()
        match_clauses(match, lambda _: "?")  # refuse unknown columns here, not in a thread
        return await self._reader.run(
            _read_stream_matching, stream_id, dict(match), after_position, limit
        )

    async def stream_position_at(self, stream_id: str, moment: datetime) -> int:
        self._check_open()
        return await self._reader.run(_stream_position_at, stream_id, format_timestamp(moment))

    async def head(self) -> Head:
        self._check_open()
        return await self._reader.run(_head)

    async def stream_version(self, stream_id: str) -> int:
        self._check_open()
        return await self._reader.run(_stream_version, stream_id)

    async def _close_backend(self) -> None:
        neighbours = _neighbours.get(self._key)
        if neighbours is not None:
            neighbours.discard(self)
        if self._checkpointing is not None:
            await self._checkpointing
        await self._checkpointer.close()
        await self._writer.close()
        await self._reader.close()
