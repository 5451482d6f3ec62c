"""The negotiation with real Yjs clients (issue #13): anchors are the bytes yjs makes, the
``review`` root arrives live and only the server writes it, and accepting a suggestion while
others type converges everywhere, in the log's replay and in blame."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from negotiation_helpers import PARAGRAPHS, reach, served, write_problem, ws_url
from process_helpers import DocClient, World
from pycrdt import Assoc, Doc, Map, StickyIndex, Text, XmlElement, XmlFragment, XmlText

from commitment.template import read_commitment
from process.negotiation import anchors, locating
from projections.queries import attribution
from projections.replay import document_at
from server import protocol

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.node


def _need_node() -> None:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "yjs").is_dir():
        pytest.fail("Node and tests/js/node_modules are needed: run `npm ci` in tests/js")


async def node(*args: str, within_s: float = 40) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        "node", "negotiation.mjs", *args, cwd=JS_DIR,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=within_s)
    assert process.returncode == 0, stderr.decode() + stdout.decode()
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


def _document() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get("title", type=Text).insert(0, "Data sosial 😀 terbuka")
    fragment = doc.get("problem", type=XmlFragment)
    for text in ("Satu paragraf biasa.", "Kata \u201cterbuka\u201d 😀 dan é lagi terbuka.",
                 "Yang ketiga."):
        paragraph = fragment.children.append(XmlElement("paragraph"))
        node_ = paragraph.children.append(XmlText())
        node_.insert(0, text)
    # Edits in the middle split items, so positions name characters inside items.
    second = fragment.children[1].children[0]
    second.insert(5, "X")
    del second[5:6]
    return doc


async def test_anchors_are_the_bytes_yjs_makes_and_resolves() -> None:
    _need_node()
    doc = _document()
    state = base64.b64encode(doc.get_update()).decode()
    placed, start, end = anchors.anchor_quote(doc, "problem", "terbuka\u201d 😀 dan é")
    assert placed is not None and start and end and placed.field.path == ("problem", 1, 0)
    quote = "terbuka\u201d 😀 dan é"
    text = placed.field.text
    at = anchors.utf16_find(text, quote)
    upto = at + anchors.utf16_length(quote)
    made = await node("positions", state, json.dumps([
        {"root": "problem", "path": [1, 0], "index": at, "assoc": 0},
        {"root": "problem", "path": [1, 0], "index": upto, "assoc": -1},
        {"root": "title", "path": [], "index": 12, "assoc": 0},
        {"root": "title", "path": [], "index": 14, "assoc": -1},
    ]))
    # Byte for byte what yjs's encodeRelativePosition makes, ours and pycrdt's StickyIndex.
    assert made["encoded"][:2] == [start, end]
    title = doc.get("title", type=Text)
    sticky = [base64.b64encode(StickyIndex.new(title, 12, Assoc.AFTER).encode()).decode(),
              base64.b64encode(StickyIndex.new(title, 14, Assoc.BEFORE).encode()).decode()]
    assert made["encoded"][2:] == sticky
    # yjs resolves ours to the quote's text node and ends; pycrdt resolves yjs's alike.
    resolved = (await node("resolve", state, json.dumps([start, end])))["resolved"]
    assert resolved == [{"index": at, "path": [1, 0]}, {"index": upto, "path": [1, 0]}]
    placed_now = locating.place(doc, "problem", start, end)
    assert (placed_now.start, placed_now.end, placed_now.quote) == (at, upto, quote)
    given = locating.locate(doc, "problem", made["encoded"][0], made["encoded"][1], quote)
    assert given is not None and given.quote == quote
    # The anchor follows the text: an edit before it (non-ASCII: pycrdt's own sticky index
    # would count it in bytes) moves both ends, as yjs sees it too.
    fragment = doc.get("problem", type=XmlFragment)
    fragment.children[1].children[0].insert(0, "Baru 😀: ")
    shift = anchors.utf16_length("Baru 😀: ")
    moved = locating.locate(doc, "problem", start, end, quote)
    assert moved is not None and (moved.start, moved.end) == (at + shift, upto + shift)
    state = base64.b64encode(doc.get_update()).decode()
    resolved = (await node("resolve", state, json.dumps([start, end])))["resolved"]
    assert resolved == [{"index": at + shift, "path": [1, 0]},
                        {"index": upto + shift, "path": [1, 0]}]
    # Deleting the quoted text collapses the anchor: "on deleted text".
    node_ = fragment.children[1].children[0]
    offset = anchors.utf8_offset(anchors.plain(node_), at + shift)
    del node_[offset:offset + len(quote.encode())]
    assert locating.collapsed(doc, start, end)


async def test_review_root_is_live_for_yjs_and_only_the_server_writes_it(
        tmp_path: Path, sqlite_url: str) -> None:
    _need_node()
    async with served(tmp_path, sqlite_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft2")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        ws = f"ws://{address}/ws"
        created = await world.call("POST", f"{base}/comments", "kldi_member", json={
            "section": "problem", "quote": "tertutup", "body": "Mengapa?"}, expect=201)
        comment_id = created.json()["id"]
        # A JS client connected before the suggestion exists sees it, then its acceptance.
        suggestion_id_box: dict[str, str] = {}
        watcher = asyncio.create_task(node(
            "watch", ws, world.document_id, str(world.tokens["cso_member"]),
            json.dumps({"comment": comment_id, "text": "Data kesejahteraan sosial terbuka dan"})))
        await asyncio.sleep(1.0)  # let it connect and sync
        suggestion = await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "quote": "tertutup", "replacement": "terbuka"}, expect=201)
        suggestion_id_box["id"] = suggestion.json()["id"]
        await world.call("POST", f"{base}/suggestions/{suggestion_id_box['id']}/decision",
                         "cso_member", json={"decision": "accept", "reason": "ya"}, expect=200)
        seen = await watcher
        assert seen["review"]["comments"][comment_id]["body"] == "Mengapa?"
        entry = seen["review"]["suggestions"][suggestion_id_box["id"]]
        assert entry["status"] == "accepted" and entry["decider"]["person_id"] == \
            world.people["cso_member"]
        assert seen["problem"][0] == "Data kesejahteraan sosial terbuka dan tidak mutakhir."

        # A writer's JS client changing a review entry is refused; the entry stays.
        forged = await node("forge", ws, world.document_id,
                            str(world.tokens["cso_member"]))
        assert any("review" in reason for reason in forged["denied"]), forged
        assert forged["closed"] == 4422, forged  # to load the document afresh
        assert forged["review"]["comments"][comment_id]["body"] == "Mengapa?"
        # ...and so is a pycrdt client naming the root itself.
        async with DocClient(ws_url(address, world.document_id,
                                    world.tokens["cso_member"])) as py:
            await py.synced.wait()
            before = py.doc.get_state()
            py.doc.get("review", type=Map)["x"] = "forged"
            await py._ws.send(protocol.sync_update(py.doc.get_update(before)))
            await py.until(lambda: bool(py.denied), 10)
            assert "review" in py.denied[0]
        events = await app.state.store.read_stream(f"doc:{world.document_id}")
        assert not any(b"forged" in e.payload for e in events)


async def test_accepting_while_others_type_converges_with_blame_to_the_suggester(
        tmp_path: Path, sqlite_url: str) -> None:
    _need_node()
    async with served(tmp_path, sqlite_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft3")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        ws = f"ws://{address}/ws"
        ids = []
        for quote, replacement in (("siapa yang menerima", "siapa saja penerima"),
                                   ("tertutup", "belum terbuka")):
            ids.append((await world.call("POST", f"{base}/suggestions", "cso_member", json={
                "section": "problem", "quote": quote, "replacement": replacement},
                expect=201)).json()["id"])
        count = 25
        markers = [f"[a{i}]" for i in range(count)] + [f"[b{i}]" for i in range(count)]
        wait = json.dumps({"markers": markers, "text": "siapa saja penerima"})
        typers = [asyncio.create_task(node("type", ws, world.document_id,
                                           str(world.tokens[role]), label, str(count), wait))
                  for role, label in (("cso_member", "a"), ("secretariat", "b"))]
        await asyncio.sleep(0.8)  # accept while they type into the same paragraph
        for suggestion_id in ids:
            await world.call("POST", f"{base}/suggestions/{suggestion_id}/decision",
                             "kldi_member", json={"decision": "accept"}, expect=200)
        first, second = await asyncio.gather(*typers)
        assert first["problem"] == second["problem"]
        final = first["problem"]
        assert final[0] == "Data kesejahteraan sosial belum terbuka dan tidak mutakhir."
        assert final[1].startswith("Warga tidak dapat memeriksa siapa saja penerima bantuan.")
        assert all(m in final[1] for m in markers)

        # The log is the truth: its replay (what `kokreasi replay` prints) shows the same.
        projections = app.state.projections
        replayed = await document_at(projections.storage, app.state.store, world.document_id)
        assert read_commitment(replayed.doc).sections["problem"].text.split("\n") == final
        # Blame: the accepted words are the suggester's, accepted by the decider, at a time.
        blamed = await attribution(projections.storage, app.state.store, world.document_id)
        runs = blamed["sections"]["problem"]
        mine = [r for r in runs if "siapa saja penerima" in r["text"]]
        assert mine, runs
        author = mine[0]["author"]
        assert author["person_id"] == world.people["cso_member"]
        assert author["accepted"]["accepted_by"]["person_id"] == world.people["kldi_member"]
        assert author["accepted"]["accepted_at"]
        untouched = [r for r in runs if PARAGRAPHS[1].split()[0] in r["text"]]
        assert untouched[0]["author"]["person_id"] == "admin"  # who typed the section


async def test_anchors_made_by_yjs_place_comments_and_insertions(
        tmp_path: Path, sqlite_url: str) -> None:
    _need_node()
    async with served(tmp_path, sqlite_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft2")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        doc = await app.state.process_runtime.document(world.document_id)
        state = base64.b64encode(doc.get_update()).decode()
        at = PARAGRAPHS[1].index("bantuan")
        made = (await node("positions", state, json.dumps([
            {"root": "problem", "path": [1, 0], "index": at, "assoc": 0},
            {"root": "problem", "path": [1, 0], "index": at + len("bantuan"), "assoc": -1},
        ])))["encoded"]
        comment = await world.call("POST", f"{base}/comments", "kldi_member", json={
            "section": "problem", "body": "Bantuan apa?",
            "anchor": {"start": made[0], "end": made[1]}}, expect=201)
        listed = (await world.call("GET", f"{base}/comments", "kldi_member")).json()
        assert [(c["id"], c["quote"]) for c in listed["comments"]] == [
            (comment.json()["id"], "bantuan")]
        # An anchor in another section is not this section's.
        elsewhere = await world.call("POST", f"{base}/comments", "kldi_member", json={
            "section": "solution", "body": "x", "anchor": {"start": made[0], "end": made[1]}})
        assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "invalid_anchor"
        # A pure insertion after "bantuan": one position, naming its last character.
        insertion = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "replacement": " sosial", "quote": "",
            "anchor": {"start": made[1], "end": made[1]}}, expect=201)).json()["id"]
        await world.call("POST", f"{base}/suggestions/{insertion}/decision", "cso_member",
                         json={"decision": "accept"}, expect=200)
        text = (await world.call("GET", f"/api/commitments/{world.commitment_id}/document")
                ).json()["sections"]["problem"]["text"]
        assert "menerima bantuan sosial." in text
