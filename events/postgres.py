"""The production backend: PostgreSQL through asyncpg, a small pool plus one LISTEN connection.

Every append transaction locks the single ``log_head`` row (``SELECT ... FOR UPDATE``) before
it reads the head, and holds it until commit. The next writer therefore reads a head that has
committed, which makes position order equal commit order: a reader tailing by position can
never see position n+1 while n is still open, and a rolled-back append leaves no hole.
A committed append sends ``NOTIFY kokreasi_events``; subscribers treat it only as a wake-up
and read by position, so a lost notification costs latency, never an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import asyncpg

from . import migrations
from .base import LogStore
from .errors import StoreUnavailable
from .planning import KnownEvent, PendingAppend, Plan, plan_batch, settle, streams_of
from .record import RecordedEvent, utc_now
from .rows import COLUMN_LIST, COLUMNS, WHO_COLUMNS, FoldRow, decode_rows, match_clauses
from .store import Head
from .versions import VersionCache

log = logging.getLogger(__name__)

CHANNEL = "kokreasi_events"
POOL_SIZE = 4
CONNECT_TIMEOUT = 5.0

_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)

# A batch is inserted with COPY (binary): about a quarter cheaper than one INSERT of unnested
# arrays. The chain trigger is per statement, so it checks the whole COPY at once.
_COLUMN_NAMES = list(COLUMNS)
# One index seek per stream (a correlated max), not a scan of each stream's versions.
_STREAM_VERSIONS = (
    "SELECT s, (SELECT max(stream_version) FROM events WHERE stream_id = s) "
    "FROM unnest($1::text[]) AS s"
)
# A lateral lookup per id: "event_id = ANY($1)" gets a generic plan that scans the table once
# the prepared statement has been planned against a small log.
_KNOWN_IDS = (
    "SELECT e.event_id, e.position, e.stream_id, e.type, e.payload "
    "FROM unnest($1::text[]) AS i(id) JOIN LATERAL ("
    "SELECT event_id, position, stream_id, type, payload FROM events WHERE event_id = i.id"
    ") AS e ON true"
)


def _finish(head: Head) -> str:
    """Advance the head, wake subscribers (NOTIFY is delivered at commit) and commit, in one
    round trip: a multi-statement simple query, so the values are literals (ours: an integer
    and hex digits)."""
    return (
        f"UPDATE log_head SET position = {int(head.position)}, "
        f"hash = '\\x{head.hash.hex()}'::bytea WHERE singleton; "
        f"SELECT pg_notify('{CHANNEL}', '{int(head.position)}'); "
        "COMMIT"
    )

async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing. The default (unlock advisory locks, close
    cursors, UNLISTEN, RESET ALL) costs a round trip per append, and these connections keep
    no session state (transactions end before release; LISTEN has its own connection)."""


def _identity(value: Any) -> Any:
    return value


@contextlib.asynccontextmanager
async def _translated(what: str) -> AsyncIterator[None]:
    try:
        yield
    except _DRIVER_ERRORS as error:
        raise StoreUnavailable(f"PostgreSQL event log, {what}: {error}") from error


async def _migrate(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        # Several instances may start at once; one applies, the others then find it done.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('kokreasi.migrations'))")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {migrations.SCHEMA_MIGRATIONS_TABLE} ("
            "version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = {row[0] for row in await conn.fetch(
            f"SELECT version FROM {migrations.SCHEMA_MIGRATIONS_TABLE}"
        )}
        for migration in migrations.load("postgres"):
            if migration.version not in applied:
                await conn.execute(migration.sql)
                await conn.execute(
                    f"INSERT INTO {migrations.SCHEMA_MIGRATIONS_TABLE} (version, name) "
                    "VALUES ($1, $2)",
                    migration.version, migration.name,
                )


# Plain columns: building the ``who`` JSON or the time text in SQL costs PostgreSQL several
# times what the query does (measured: json_build_array 4x, to_char 1.5x the whole read).
_FOLD_SELECT = (
    f"SELECT position, stream_id, stream_version, type, payload, {', '.join(WHO_COLUMNS)}, "
    "recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT $2"
)
_FOLD_STREAM_SELECT = (
    "SELECT position, stream_id, stream_version, type, payload, "
    + ", ".join(f"CASE WHEN position > $5 THEN {column} END" for column in WHO_COLUMNS)
    + ", recorded_at FROM events WHERE stream_id = $1 AND stream_version > $2 "
    # Versions are gapless, so the next ``limit`` events have the next ``limit`` versions:
    # said outright, the scan stops there even when ``until`` cuts the page short.
    "AND ($4::bigint IS NULL OR stream_version <= $2 + $4) "
    "AND ($3::bigint IS NULL OR position <= $3) ORDER BY stream_version"
)


def _fold_rows(records: list[Any], who_after: int = 0) -> list[FoldRow]:
    return [(r[0], r[1], r[2], r[3], r[4], (r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12])
             if r[0] > who_after else None, r[13]) for r in records]


class PostgresStore(LogStore):
    _poll_interval = 1.0

    def __init__(self, database_url: str, pool: asyncpg.Pool, **options: Any) -> None:
        super().__init__(**options)
        self._url = database_url
        self._pool = pool
        self._listener: asyncpg.Connection | None = None
        self._listener_lock = asyncio.Lock()
        self._versions = VersionCache()

    @classmethod
    async def open(cls, database_url: str, **options: Any) -> PostgresStore:
        async with _translated("connecting"):
            pool = await asyncpg.create_pool(
                database_url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT,
                command_timeout=60, reset=_keep_session,
            )
        try:
            async with _translated("migrating"), pool.acquire() as conn:
                await _migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(database_url, pool, **options)

    async def _commit_batch(self, batch: list[PendingAppend]) -> None:
        async with _translated("appending"), self._pool.acquire() as conn:
            try:
                plan = await self._transaction(conn, batch, look_up_ids=False)
            except asyncpg.UniqueViolationError as error:
                if error.constraint_name != "events_event_id_key":
                    raise
                # Some event was already stored: a resent append. Redo, checking every id.
                plan = await self._transaction(conn, batch, look_up_ids=True)
        settle(plan.outcomes)
        if plan.rows:
            self._wake_subscribers()

    async def _transaction(
        self, conn: asyncpg.Connection, batch: list[PendingAppend], *, look_up_ids: bool
    ) -> Plan:
        """One attempt at committing ``batch``. Event ids are looked up only when needed: a
        resent id shows up as a unique violation (then ``look_up_ids``) or, if the resend
        also carries a now-stale expected version, as a failed check, which looking the ids
        up settles before anything is written."""
        await conn.execute("BEGIN")
        try:
            position, head_hash = await conn.fetchrow(
                "SELECT position, hash FROM log_head WHERE singleton FOR UPDATE"
            )
            head = Head(position, head_hash)
            versions, missing = self._versions.lookup(head, streams_of(batch))
            if missing:
                found = dict(list(row) for row in await conn.fetch(_STREAM_VERSIONS, missing))
                versions.update((stream, found.get(stream) or 0) for stream in missing)
            now = utc_now()
            known: dict[str, KnownEvent] = {}
            if look_up_ids:
                known = await self._known(conn, batch)
            plan = plan_batch(batch, head, dict(versions), dict(known), now, now)
            if not look_up_ids and any(outcome.error for outcome in plan.outcomes):
                known = await self._known(conn, batch)
                plan = plan_batch(batch, head, dict(versions), known, now, now)
            if plan.rows:
                await conn.copy_records_to_table(
                    "events", records=plan.rows, columns=_COLUMN_NAMES
                )
            await conn.execute(_finish(plan.head) if plan.rows else "COMMIT")
        except BaseException:
            if not conn.is_closed():
                with contextlib.suppress(*_DRIVER_ERRORS):
                    await conn.execute("ROLLBACK")
            raise
        final_versions = dict(versions)
        for row in plan.rows:
            final_versions[row[1]] = row[2]
        self._versions.committed(plan.head, final_versions)
        return plan

    @staticmethod
    async def _known(conn: asyncpg.Connection, batch: list[PendingAppend]) -> dict[str, KnownEvent]:
        ids = [event_id for append in batch for event_id in append.event_ids]
        return {
            row[0]: KnownEvent(row[1], row[2], row[3], row[4])
            for row in await conn.fetch(_KNOWN_IDS, ids)
        }

    async def read_all(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        self._check_open()
        async with _translated("reading"):
            rows = await self._pool.fetch(
                f"SELECT {COLUMN_LIST} FROM events WHERE position > $1 "
                "ORDER BY position LIMIT $2",
                after_position, limit,
            )
        return decode_rows(rows, _identity)

    async def read_rows(
        self, *, after_position: int = 0, limit: int | None = None
    ) -> list[FoldRow]:
        self._check_open()
        async with _translated("reading"):
            rows = await self._pool.fetch(_FOLD_SELECT, after_position, limit)
        return _fold_rows(rows)

    async def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        self._check_open()
        async with _translated("reading"):
            rows = await self._pool.fetch(
                f"SELECT {COLUMN_LIST} FROM events WHERE stream_id = $1 AND stream_version > $2 "
                "ORDER BY stream_version LIMIT $3",
                stream_id, after_version, limit,
            )
        return decode_rows(rows, _identity)

    async def read_stream_rows(
        self, stream_id: str, *, after_version: int = 0, until_position: int | None = None,
        limit: int | None = None, who_after: int = 0,
    ) -> list[FoldRow]:
        self._check_open()
        async with _translated("reading"):
            rows = await self._pool.fetch(
                _FOLD_STREAM_SELECT, stream_id, after_version, until_position, limit, who_after
            )
        return _fold_rows(rows, who_after)

    async def read_stream_matching(
        self, stream_id: str, match: Mapping[str, str], *, after_position: int = 0,
        limit: int = 100,
    ) -> list[RecordedEvent]:
        self._check_open()
        clauses = match_clauses(match, lambda n: f"${n + 4}")
        async with _translated("reading"):
            rows = await self._pool.fetch(
                f"SELECT {COLUMN_LIST} FROM events WHERE stream_id = $1 AND position > $2"
                f"{clauses} ORDER BY stream_version LIMIT $3",
                stream_id, after_position, limit, *match.values(),
            )
        return decode_rows(rows, _identity)

    async def stream_position_at(self, stream_id: str, moment: datetime) -> int:
        self._check_open()
        async with _translated("reading"):
            position = await self._pool.fetchval(
                "SELECT position FROM events WHERE stream_id = $1 AND recorded_at <= $2 "
                "ORDER BY stream_version DESC LIMIT 1", stream_id, moment,
            )
        return 0 if position is None else int(position)

    async def head(self) -> Head:
        self._check_open()
        async with _translated("reading the head"):
            row = await self._pool.fetchrow("SELECT position, hash FROM log_head")
        return Head(row[0], row[1])

    async def stream_version(self, stream_id: str) -> int:
        self._check_open()
        async with _translated("reading a stream version"):
            version = await self._pool.fetchval(
                "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $1",
                stream_id,
            )
        return int(version)

    def _on_notify(self, *_: object) -> None:
        self._wake_subscribers()

    async def _ensure_listener(self) -> None:
        """Open the LISTEN connection on first use; reopen it if it was lost. On failure the
        subscribers keep working by polling."""
        if self._closed or (self._listener is not None and not self._listener.is_closed()):
            return
        async with self._listener_lock:
            if self._listener is not None and not self._listener.is_closed():
                return
            try:
                listener = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)
                await listener.add_listener(CHANNEL, self._on_notify)
            except _DRIVER_ERRORS as error:
                log.warning("cannot LISTEN for appends, polling instead: %s", error)
                return
            self._listener = listener

    async def _prepare_wake_ups(self) -> None:
        await self._ensure_listener()

    async def _wait_for_append(self, woken: asyncio.Event) -> None:
        await self._ensure_listener()  # again, in case the connection was lost
        await super()._wait_for_append(woken)

    async def _close_backend(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(*_DRIVER_ERRORS):
                await self._listener.close(timeout=2)
            self._listener = None
        with contextlib.suppress(*_DRIVER_ERRORS):
            await asyncio.wait_for(self._pool.close(), 5)
