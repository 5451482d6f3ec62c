"""Schema migrations: applied once at start-up, recorded, never touching stored events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from eventlog_helpers import RawDatabase, update

import events
from events import migrations
from kokreasi.cli import main


async def test_migrations_are_applied_once_and_recorded(
    database_url: str, raw: RawDatabase
) -> None:
    store = await events.open_store(database_url)
    await store.append("doc:a", [update(1)])
    await store.close()
    reopened = await events.open_store(database_url)
    try:
        assert [e.position for e in await reopened.read_all()] == [1]
        assert (await reopened.verify()).ok
    finally:
        await reopened.close()
    backend = "sqlite" if raw.sqlite else "postgres"
    recorded = await raw.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(m.version, m.name) for m in migrations.load(backend)]


async def test_instances_starting_together_migrate_once(database_url: str) -> None:
    stores = await asyncio.gather(*(events.open_store(database_url) for _ in range(4)))
    try:
        await asyncio.gather(*(s.append(f"doc:s{n}", [update(n)]) for n, s in enumerate(stores)))
        assert (await stores[0].head()).position == 4
    finally:
        for store in stores:
            await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_never_rewrite_the_event_table(backend: str) -> None:
    loaded = migrations.load(backend)
    assert [m.version for m in loaded] == list(range(1, len(loaded) + 1))
    for migration in loaded[1:]:
        text = migration.sql.lower()
        for forbidden in ("drop table events", "update events", "delete from events",
                          "alter table events drop", "alter table events rename"):
            assert forbidden not in text, f"migration {migration.version}: {forbidden}"


def test_sqlite_statements_keep_trigger_bodies_whole() -> None:
    script = ("CREATE TABLE t (x);\n-- comment\nCREATE TRIGGER g BEFORE DELETE ON t\nBEGIN\n"
              "    SELECT RAISE(ABORT, 'no');\nEND;\nINSERT INTO t VALUES (1);\n")
    statements = migrations.sqlite_statements(script)
    assert len(statements) == 3 and statements[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete"):
        migrations.sqlite_statements("CREATE TABLE t (x)")


def test_kokreasi_migrate_creates_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["migrate", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.startswith("ok: event log schema at version ")
    assert main(["verify", "--data-dir", str(data)]) == 0
    assert "ok: 0 events verified" in capsys.readouterr().out
