"""Test helpers: events to append, and raw SQL access that bypasses the store."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from events.record import (
    Actor,
    Context,
    NewEvent,
    RecordedEvent,
    Stakeholder,
    format_timestamp,
    record_hash,
)
from events.rows import COLUMN_LIST, row_values

ALICE = Actor("p-alice", "Alice", "o-tii", "Transparency International Indonesia",
              Stakeholder.CSO)
BUDI = Actor("p-budi", "Budi", "o-bappenas", "Kementerian PPN/Bappenas", Stakeholder.KLDI)
CONTEXT = Context(plan_id="ran-ogi-vii", stage="draft1", session_id="tc-12-march")


def update(n: int = 0, *, actor: Actor = ALICE, event_id: str | None = None) -> NewEvent:
    payload = b"\x01\x02" + n.to_bytes(4, "big") + b"\x00" * 94  # ~100 bytes, like a keystroke
    if event_id is None:
        return NewEvent("crdt.update", payload, actor, CONTEXT)
    return NewEvent("crdt.update", payload, actor, CONTEXT, event_id)


class RawDatabase:
    """The database under a store, reached without it, as a tamperer or a DBA would."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.sqlite = database_url.startswith("sqlite:")

    def _sqlite(self) -> sqlite3.Connection:
        return sqlite3.connect(self.url[len("sqlite:///"):], isolation_level=None, timeout=10)

    async def execute(self, *statements: str) -> None:
        if self.sqlite:
            conn = self._sqlite()
            try:
                for statement in statements:
                    conn.execute(statement)
            finally:
                conn.close()
            return
        pg = await asyncpg.connect(self.url)
        try:
            for statement in statements:
                await pg.execute(statement)
        finally:
            await pg.close()

    async def fetch(self, query: str) -> list[tuple[Any, ...]]:
        if self.sqlite:
            conn = self._sqlite()
            try:
                return list(conn.execute(query))
            finally:
                conn.close()
        pg = await asyncpg.connect(self.url)
        try:
            return [tuple(row) for row in await pg.fetch(query)]
        finally:
            await pg.close()

    def blob(self, data: bytes) -> str:
        return f"X'{data.hex()}'" if self.sqlite else f"'\\x{data.hex()}'::bytea"

    async def tamper(self, *statements: str) -> None:
        """Run ``statements`` with the protective triggers off, as someone with raw access
        to the database files or superuser rights could."""
        if self.sqlite:
            names = [row[0] for row in await self.fetch(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            )]
            await self.execute(*(f"DROP TRIGGER {name}" for name in names), *statements)
        else:
            await self.execute(
                "ALTER TABLE events DISABLE TRIGGER USER",
                "ALTER TABLE log_head DISABLE TRIGGER USER",
                *statements,
            )

    async def swap(self, a: int, b: int) -> None:
        await self.tamper(
            f"UPDATE events SET position = 1000000 WHERE position = {a}",
            f"UPDATE events SET position = {a} WHERE position = {b}",
            f"UPDATE events SET position = {b} WHERE position = 1000000",
        )

    def _literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bytes):
            return self.blob(value)
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def event_row(
        self, like: RecordedEvent, *, position: int, prev_hash: bytes, event_id: str | None = None
    ) -> str:
        """An INSERT of a copy of ``like`` at ``position`` (hash recomputed), in raw SQL."""
        event = dataclasses.replace(
            like, position=position, stream_version=like.stream_version + position,
            event_id=event_id or f"raw-{position}", prev_hash=prev_hash,
        )
        event = dataclasses.replace(event, hash=record_hash(event))
        values = row_values(event, format_timestamp(event.recorded_at))
        return (f"INSERT INTO events ({COLUMN_LIST}) VALUES "
                f"({', '.join(self._literal(value) for value in values)})")

    @contextlib.asynccontextmanager
    async def open_append(
        self, *, position: int, prev_hash: bytes, like: RecordedEvent
    ) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """An append in progress: the head taken, one row inserted, not committed. Yields a
        function that rolls it back."""
        insert = self.event_row(like, position=position, prev_hash=prev_hash)
        if self.sqlite:
            conn = self._sqlite()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(insert)

            async def rollback_sqlite() -> None:
                conn.execute("ROLLBACK")

            try:
                yield rollback_sqlite
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                conn.close()
            return
        pg = await asyncpg.connect(self.url)
        transaction = pg.transaction()
        await transaction.start()
        await pg.execute("SELECT * FROM log_head FOR UPDATE")
        await pg.execute(insert)
        done = False

        async def rollback_pg() -> None:
            nonlocal done
            await transaction.rollback()
            done = True

        try:
            yield rollback_pg
        finally:
            if not done:
                await transaction.rollback()
            await pg.close()
