"""One conformance suite for both projection databases (SQLite file, PostgreSQL)."""

from __future__ import annotations

import pytest

from projections.storage import Storage, StorageError, open_storage


async def test_a_transaction_stores_all_of_its_rows_or_none(storage: Storage) -> None:
    async with storage.transaction() as tx:
        await tx.executemany(
            "INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
            [("a", 1), ("b", 2)],
        )
    with pytest.raises(RuntimeError):
        async with storage.transaction() as tx:
            await tx.execute("UPDATE projection_checkpoint SET position = 9 WHERE name = ?", "a")
            await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                             "c", 3)
            raise RuntimeError("crash between two writes")
    rows = await storage.fetch("SELECT name, position FROM projection_checkpoint ORDER BY name")
    assert rows == [("a", 1), ("b", 2)]


async def test_a_database_error_rolls_back_and_is_ours(storage: Storage) -> None:
    with pytest.raises(StorageError):
        async with storage.transaction() as tx:
            await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                             "a", 1)
            await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                             "a", 2)
    assert await storage.fetch("SELECT * FROM projection_checkpoint") == []


async def test_upserts_add_up_and_blobs_round_trip(storage: Storage) -> None:
    sql = (
        "INSERT INTO doc_checkpoint (document_id, stream_version, position, state) "
        "VALUES (?, ?, ?, ?)"
    )
    async with storage.transaction() as tx:
        await tx.execute(sql, "c1", 1, 7, b"\x00\x01\xff")
    upsert = (
        "INSERT INTO projection_checkpoint (name, position) VALUES (?, ?) ON CONFLICT (name) "
        "DO UPDATE SET position = projection_checkpoint.position + excluded.position"
    )
    for _ in range(3):
        async with storage.transaction() as tx:
            await tx.execute(upsert, "n", 5)
    assert await storage.fetchone("SELECT position FROM projection_checkpoint") == (15,)
    row = await storage.fetchone("SELECT state FROM doc_checkpoint WHERE document_id = ?", "c1")
    assert row is not None and bytes(row[0]) == b"\x00\x01\xff"


async def test_clear_empties_every_projection_table(storage: Storage) -> None:
    async with storage.transaction() as tx:
        await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                         "k", 4)
    await storage.clear()
    assert await storage.fetch("SELECT * FROM projection_checkpoint") == []


async def test_reopening_keeps_the_rows(database_url: str) -> None:
    first = await open_storage(database_url)
    async with first.transaction() as tx:
        await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                         "k", 4)
    await first.close()
    second = await open_storage(database_url)
    try:
        assert await second.fetch("SELECT name, position FROM projection_checkpoint") == [
            ("k", 4)
        ]
    finally:
        await second.close()


async def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(StorageError, match="neither"):
        await open_storage("mysql://somewhere/db")


async def test_an_older_table_layout_is_dropped_and_rebuilt_from_the_log(
    database_url: str,
) -> None:
    """Projections from before a layout change (here: a table of history rows, deletions
    naming the deleter by id, no schema version) are dropped on open; the runner then folds
    from position 0. A current layout is left alone."""
    first = await open_storage(database_url)
    try:
        async with first.transaction() as tx:
            for table in ("projection_schema", "doc_deletion", "doc_who"):
                await tx.execute(f"DROP TABLE {table}")
            await tx.execute(
                "CREATE TABLE doc_event (position BIGINT PRIMARY KEY, person_name TEXT)"
            )
            await tx.execute("INSERT INTO doc_event VALUES (1, 'Ani')")
            await tx.execute(
                "CREATE TABLE doc_deletion (position BIGINT PRIMARY KEY, deleter_id TEXT)"
            )
            await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                             "kokreasi", 1)
    finally:
        await first.close()
    second = await open_storage(database_url)
    try:
        assert await second.fetch("SELECT * FROM projection_checkpoint") == []
        assert await second.fetch("SELECT position, who FROM doc_deletion") == []
        with pytest.raises(StorageError):
            await second.fetch("SELECT position FROM doc_event")
        async with second.transaction() as tx:
            await tx.execute("INSERT INTO projection_checkpoint (name, position) VALUES (?, ?)",
                             "kokreasi", 7)
    finally:
        await second.close()
    third = await open_storage(database_url)
    try:
        assert await third.fetch("SELECT * FROM projection_checkpoint") == [("kokreasi", 7)]
    finally:
        await third.close()
