"""Helpers for the negotiation tests: a served app on either log backend, a world in a stage,
and a commitment whose section ``problem`` holds known paragraphs (written as the web app
writes them: Y.XmlFragment > paragraph > XmlText, over the websocket)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pycrdt
from process_helpers import SECRET, World, serving
from pycrdt import XmlElement, XmlFragment, XmlText

from kokreasi.app import create_app
from kokreasi.settings import Settings
from server import protocol
from server.limits import Limits

PARAGRAPHS = (
    "Data kesejahteraan sosial tertutup dan tidak mutakhir.",
    "Warga tidak dapat memeriksa siapa yang menerima bantuan.",
)
STAGES = ("setup", "draft1", "draft2", "draft3", "draft4", "final")


def settings_for(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, redis_url=None,
                    secret_key=SECRET, group_commit_wait_ms=1.0,
                    extra={"input_per_client": "1000", "input_total": "1000"})


@contextlib.asynccontextmanager
async def served(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient,
                                                                          Any]]:
    app = create_app(settings_for(tmp_path, database_url),
                     limits=Limits())
    async with serving(app) as address, httpx.AsyncClient(
            base_url=f"http://{address}", timeout=30) as client:
        yield address, client, app


async def reach(world: World, stage: str) -> None:
    while await world.stage() != stage:
        await world.advance()


def ws_url(address: str, document_id: str, token: str | None) -> str:
    return f"ws://{address}/ws/{document_id}?token={token}&saved=1"


async def write_problem(address: str, world: World,
                        paragraphs: tuple[str, ...] = PARAGRAPHS) -> None:
    """The Secretariat types the ``problem`` section over the websocket (any stage but Setup
    and Final)."""
    from process_helpers import DocClient

    async with DocClient(ws_url(address, world.document_id, world.tokens["secretariat"])) as c:
        await c.synced.wait()
        before = c.doc.get_state()
        fragment = c.doc.get("problem", type=XmlFragment)
        with c.doc.transaction():
            for text in paragraphs:
                paragraph = fragment.children.append(XmlElement("paragraph"))
                node = paragraph.children.append(XmlText())
                node.insert(0, text)
        await c._ws.send(protocol.sync_update(c.doc.get_update(before)))
        clock = c.doc.get_state()
        import ycodec

        mine = ycodec.decode_state_vector(clock)[c.doc.client_id]
        await c.until(lambda: c.saved.get(c.doc.client_id, 0) >= mine, 10)


def problem_text(doc: pycrdt.Doc[Any]) -> list[str]:
    fragment = doc.get("problem", type=XmlFragment)
    out = []
    for paragraph in fragment.children:
        out.append("".join(str(chunk) for chunk, _ in paragraph.children[0].diff()))
    return out
