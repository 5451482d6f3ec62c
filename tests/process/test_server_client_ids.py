"""What the server writes into documents itself uses 32-bit Yjs client ids, as Yjs does.

The older y-py binding keeps client ids in 32 bits: it rewrites a larger id when it reads an
update, and then answers the server's sync step 1 with everything under the rewritten id, which
the server takes for new text: connecting alone doubled the demo's seeded text.
"""

from __future__ import annotations

from typing import Any

import pycrdt
import y_py

import events
import ycodec
from kokreasi.settings import Settings
from process.demo import seed_demo
from process.seed import new_client_id


def client_ids(update: bytes) -> set[int]:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(update)
    return set(ycodec.decode_state_vector(doc.get_state()))


def test_new_client_ids_are_32_bit() -> None:
    drawn = {new_client_id() for _ in range(200)}
    assert all(0 <= client < 2**32 for client in drawn)
    assert len(drawn) > 190  # random, not one fixed id


async def test_the_demo_documents_are_written_with_32_bit_client_ids_and_y_py_keeps_them(
    settings: Settings,
) -> None:
    store = await events.open_store(settings.database_url)
    try:
        await seed_demo(store, settings.secret_key)
        streams: dict[str, list[bytes]] = {}
        for event in await store.read_all():
            if event.type == "crdt.update":
                streams.setdefault(event.stream_id, []).append(event.payload)
    finally:
        await store.close()
    assert len(streams) == 4
    for stream, updates in streams.items():
        ids = set().union(*(client_ids(update) for update in updates))
        assert ids and all(client < 2**32 for client in ids), (stream, ids)

        server: pycrdt.Doc[Any] = pycrdt.Doc()
        for update in updates:
            server.apply_update(update)
        before = server.get_update()
        # A y-py client connecting: it receives the document (the server's sync step 2), then
        # answers the server's sync step 1 with what it holds that the server lacks.
        client = y_py.YDoc()
        y_py.apply_update(client, before)
        answer = bytes(y_py.encode_state_as_update(client, server.get_state()))
        server.apply_update(answer)
        assert server.get_update() == before, f"{stream}: y-py sent the document back as new"
        assert client_ids(answer) <= ids
