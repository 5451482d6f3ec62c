"""What a run of big edits costs in storage: the database grows about as much as was written,
not by a full copy of the document per edit."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

import asyncpg
from live_helpers import TokenFactory, YClient, make_settings, serving

from identity.access import OpenPolicy
from kokreasi.app import create_app
from server.limits import Limits

PASTE = 1_000_000  # characters: a little under the 1 MiB message limit once encoded


async def _database_bytes(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


async def test_ten_one_megabyte_pastes_grow_the_database_by_about_what_they_wrote(
    tmp_path: Path, postgres_url: str, token: TokenFactory
) -> None:
    limits = Limits(items_per_second=1e9, item_burst=1e9)  # one person pastes flat out
    app = create_app(make_settings(tmp_path, postgres_url), policy=OpenPolicy(), limits=limits)
    async with serving(app) as address:
        url = f"ws://{address}/ws/pastes?token={token()}&saved=1"
        async with YClient(url) as writer:
            await asyncio.wait_for(writer.synced.wait(), 5)
            before = await _database_bytes(postgres_url)
            for _ in range(10):
                # Random text, which PostgreSQL cannot compress away.
                writer.text += base64.b64encode(os.urandom(PASTE * 3 // 4)).decode()
                await writer.wait_saved(30)
                head = await app.state.store.head()
                await asyncio.wait_for(app.state.projections.wait_until(head.position), 30)
            events = await app.state.store.read_stream("doc:pastes")
            written = sum(len(event.payload) for event in events)
            grown = await _database_bytes(postgres_url) - before
            assert written > 10 * PASTE
            assert grown < 3 * written, f"{grown / 1e6:.0f} MB for {written / 1e6:.0f} MB written"
        # A new room loads the document whole: from a checkpoint and the log after it.
        await app.state.rooms.close()
        app.state.rooms.rooms.clear()
        async with YClient(url) as reader:
            await asyncio.wait_for(reader.synced.wait(), 30)
            assert str(reader.text) == str(writer.text)
