"""Versioned schema migrations, one SQL file per version and backend, applied by open_store.

``0001_event_log.sqlite.sql`` and ``0001_event_log.postgres.sql`` are version 1, and so on
(flat, so the ``*.sql`` package-data rule ships them).
Each version is applied once, in its own transaction, and recorded in ``schema_migrations``.
A migration may add tables, indexes, columns with defaults or triggers; it must never rewrite
or delete stored events (their bytes are hashed), so no migration touches existing rows.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.([a-z]+)\.sql$")

SCHEMA_MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load(backend: str) -> list[Migration]:
    """The migrations of one backend (``sqlite`` or ``postgres``), by version."""
    found: list[Migration] = []
    for entry in resources.files(__package__).iterdir():
        match = _FILE_NAME.match(entry.name)
        if match and match[3] == backend:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{backend} migrations are not numbered 1..n: {versions}")
    return found


def sqlite_statements(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (``BEGIN ... END;``) whole:
    ``executescript`` would commit on its own, outside the migration's transaction."""
    statements: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {pending!r}")
    return statements
