"""Comments and suggestions over HTTP (issue #13): the contract, the events under their authors,
the ``review`` root the server writes, and refusals that write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from negotiation_helpers import PARAGRAPHS, reach, served, write_problem
from process_helpers import World
from pycrdt import Map

from commitment.template import REVIEW
from process.runtime import ProcessRuntime


async def _review_root(app: object, document_id: str) -> dict[str, object]:
    runtime: ProcessRuntime = app.state.process_runtime  # type: ignore[attr-defined]
    doc = await runtime.document(document_id)
    if REVIEW not in set(doc.keys()):
        return {}
    return dict(doc.get(REVIEW, type=Map).to_py() or {})


async def test_comment_reply_edit_resolve_on_the_record(tmp_path: Path, database_url: str
                                                        ) -> None:
    async with served(tmp_path, database_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft2")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        created = await world.call("POST", f"{base}/comments", "kldi_member", json={
            "section": "problem", "quote": "tidak mutakhir",
            "body": "Sumbernya? @[Person cso_member](person:" + world.people["cso_member"] + ")"},
            expect=201)
        comment_id = created.json()["id"]
        reply = await world.call("POST", f"{base}/comments/{comment_id}/replies", "cso_member",
                                 json={"body": "Dari DTKS 2021."}, expect=201)
        await world.call("PATCH", f"{base}/comments/{comment_id}", "kldi_member",
                         json={"body": "Sumbernya apa?"}, expect=200)
        # Someone else's comment or reply: not theirs to edit.
        await world.call("PATCH", f"{base}/comments/{comment_id}", "cso_member",
                         json={"body": "x"}, expect=403)
        await world.call("PATCH", f"{base}/comments/{comment_id}/replies/{reply.json()['id']}",
                         "cso_member", json={"body": "Dari DTKS 2022."}, expect=200)
        await world.call("POST", f"{base}/comments/{comment_id}/status", "cso_member",
                         json={"status": "resolved"}, expect=200)
        await world.call("POST", f"{base}/comments/{comment_id}/status", "cso_member",
                         json={"status": "resolved"}, expect=409)
        listed = (await world.call("GET", f"{base}/comments", "auditor", expect=200)).json()
        [comment] = listed["comments"]
        assert listed["may"] == {"comment": False, "suggest": False, "decide": False}
        assert comment["quote"] == "tidak mutakhir"
        assert comment["body"] == "Sumbernya apa?" and comment["edited_at"]
        assert comment["status"] == "resolved" and comment["on_deleted_text"] is False
        assert comment["author"]["person_id"] == world.people["kldi_member"]
        assert comment["author"]["stakeholder"] == "kldi"
        assert comment["stage"] == "draft2"
        assert comment["mentions"] == []  # the edit took the mention out
        assert [r["body"] for r in comment["replies"]] == ["Dari DTKS 2022."]
        may = (await world.call("GET", f"{base}/comments", "kldi_member")).json()["may"]
        assert may == {"comment": True, "suggest": True, "decide": False}

        # Every step is an event under its author, tagged with the stage.
        store = app.state.store
        events = await store.read_stream(f"review:{world.document_id}")
        assert [(e.type, e.actor.person_id, e.context.stage) for e in events] == [
            ("comment.created", world.people["kldi_member"], "draft2"),
            ("comment.replied", world.people["cso_member"], "draft2"),
            ("comment.edited", world.people["kldi_member"], "draft2"),
            ("comment.edited", world.people["cso_member"], "draft2"),
            ("comment.resolved", world.people["cso_member"], "draft2"),
        ]
        # The review root carries the thread as the API lists it, plus its anchor.
        root = await _review_root(app, world.document_id)
        entry = root["comments"][comment_id]  # type: ignore[index]
        assert entry["status"] == "resolved" and entry["body"] == "Sumbernya apa?"
        assert entry["start"] and entry["end"]


async def test_bad_input_is_refused_and_writes_nothing(tmp_path: Path, database_url: str
                                                       ) -> None:
    async with served(tmp_path, database_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft3")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        store = app.state.store
        head = (await store.head()).position
        cases = [
            ("POST", "comments", {"section": "nope", "body": "x"}, 422, "unknown_section"),
            ("POST", "comments", {"section": "milestones.3", "body": "x"}, 422,
             "unknown_section"),
            ("POST", "comments", {"section": "problem", "quote": "tidak ada", "body": "x"}, 422,
             "quote_not_found"),
            ("POST", "comments", {"section": "problem", "quote": "mutakhir.\nWarga",
                                  "body": "x"}, 422, "quote_not_found"),
            ("POST", "comments", {"section": "problem", "body": "  "}, 422, "invalid"),
            ("POST", "comments", {"section": "problem", "body": "x",
                                  "anchor": {"start": "!!", "end": "AA=="}}, 422,
             "invalid_anchor"),
            ("POST", "suggestions", {"section": "problem", "quote": "absent",
                                     "replacement": "y"}, 422, "quote_not_found"),
            ("POST", "suggestions/nope/decision", {"decision": "accept"}, 404, "not_found"),
        ]
        for method, path, body, status, code in cases:
            response = await world.call(method, f"{base}/{path}", "cso_member", json=body)
            assert response.status_code == status, (path, body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == code, (path, body, response.json())
        suggestion = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "quote": "tertutup", "replacement": "terbuka"},
            expect=201)).json()["id"]
        head = (await store.head()).position
        no_reason = await world.call("POST", f"{base}/suggestions/{suggestion}/decision",
                                     "cso_member", json={"decision": "reject"})
        assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
        assert (await store.head()).position == head  # nothing written
        await world.call("POST", f"{base}/suggestions/{suggestion}/decision", "cso_member",
                         json={"decision": "reject", "reason": "Datanya memang tertutup"},
                         expect=200)
        again = await world.call("POST", f"{base}/suggestions/{suggestion}/decision",
                                 "cso_member", json={"decision": "accept"})
        assert again.status_code == 409 and again.json()["code"] == "already_decided"
        listed = (await world.call("GET", f"{base}/suggestions", "cso_member")).json()
        [item] = listed["suggestions"]
        assert item["status"] == "rejected"
        assert item["decision"]["reason"] == "Datanya memang tertutup"
        assert item["decider"]["person_id"] == world.people["cso_member"]
        assert PARAGRAPHS[0] in (await world.call(
            "GET", f"/api/commitments/{world.commitment_id}/document")).json()[
            "sections"]["problem"]["text"]


async def test_accept_applies_the_text_and_a_stale_one_is_refused(
        tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft2")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        first = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "quote": "tertutup dan tidak mutakhir",
            "replacement": "belum terbuka", "reason": "lebih tepat"}, expect=201)).json()["id"]
        second = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "quote": "tidak mutakhir", "replacement": "usang"},
            expect=201)).json()["id"]
        # A ministry in Draft 2 suggests, but does not decide.
        refused = await world.call("POST", f"{base}/suggestions/{first}/decision",
                                   "kldi_member", json={"decision": "accept"})
        assert refused.status_code == 403
        accepted = await world.call("POST", f"{base}/suggestions/{first}/decision",
                                    "cso_member", json={"decision": "accept"}, expect=200)
        assert accepted.json()["client_id"] and accepted.json()["clock"]
        text = (await world.call("GET", f"/api/commitments/{world.commitment_id}/document")
                ).json()["sections"]["problem"]["text"]
        assert "Data kesejahteraan sosial belum terbuka." in text
        listed = {s["id"]: s for s in (await world.call("GET", f"{base}/suggestions",
                                                        "cso_member")).json()["suggestions"]}
        assert listed[second]["stale"] is True and listed[first]["stale"] is False
        store = app.state.store
        head = (await store.head()).position
        stale = await world.call("POST", f"{base}/suggestions/{second}/decision", "cso_member",
                                 json={"decision": "accept"})
        assert stale.status_code == 409 and stale.json()["code"] == "stale_suggestion"
        assert (await store.head()).position == head


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_history_contributions_and_evidence_include_the_negotiation(
        tmp_path: Path, sqlite_url: str) -> None:
    import asyncio
    import csv
    import io
    import zipfile

    async with served(tmp_path, sqlite_url) as (address, client, _app):
        world = await World(client).build()
        await reach(world, "draft2")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        await world.call("POST", f"{base}/comments", "kldi_member", json={
            "section": "problem", "quote": "tertutup", "body": "Mengapa tertutup?"}, expect=201)
        suggestion = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
            "section": "problem", "quote": "tertutup", "replacement": "terbuka"},
            expect=201)).json()["id"]
        await world.call("POST", f"{base}/suggestions/{suggestion}/decision", "cso_member",
                         json={"decision": "reject", "reason": "Belum waktunya"}, expect=200)

        history = (await world.call("GET", f"{base}/history?limit=500", "auditor",
                                    expect=200)).json()["events"]
        kinds = [e["kind"] for e in history]
        # The server's mirror writes into ``review`` are not edits of the text: not listed.
        assert all(e["actor"]["stakeholder"] != "system" for e in history)
        assert kinds.index("comment.created") < kinds.index("suggestion.created") < \
            kinds.index("suggestion.decided")
        decided = next(e for e in history if e["kind"] == "suggestion.decided")
        assert decided["actor"]["person_id"] == world.people["cso_member"]
        assert decided["negotiation"]["reason"] == "Belum waktunya"
        assert decided["summary"] == "suggestion rejected" and decided["stage"] == "draft2"
        ministry_only = (await world.call(
            "GET", f"{base}/history?person={world.people['kldi_member']}", "auditor",
            expect=200)).json()["events"]
        assert {e["kind"] for e in ministry_only} == {"comment.created", "suggestion.created"}

        async def contributions() -> dict[str, dict[str, int]]:
            rows = (await world.call("GET", f"/api/contributions?document={world.document_id}",
                                     "auditor", expect=200)).json()["contributions"]
            return {r["person_id"]: r for r in rows}

        for _ in range(200):  # the projections follow the log in the background
            found = await contributions()
            if found.get(world.people["cso_member"], {}).get("decisions"):
                break
            await asyncio.sleep(0.05)
        ministry = found[world.people["kldi_member"]]
        assert (ministry["comments"], ministry["suggestions"], ministry["decisions"]) == (1, 1, 0)
        assert found[world.people["cso_member"]]["decisions"] == 1

        pack = await world.call("GET", f"/api/exports/{world.plan_id}/evidence.zip",
                                "secretariat", expect=200)
        archive = zipfile.ZipFile(io.BytesIO(pack.content))
        rows = list(csv.DictReader(io.StringIO(
            archive.read("negotiation/suggestions.csv").decode("utf-8-sig"))))
        assert [(r["quote"], r["replacement"], r["status"], r["decision_reason"],
                 r["by"], r["decided_by"]) for r in rows] == [
            ("tertutup", "terbuka", "rejected", "Belum waktunya", "Person kldi_member",
             "Person cso_member")]
        comments = archive.read("negotiation/comments.csv").decode("utf-8-sig")
        assert "Mengapa tertutup?" in comments
        assert "1 comment threads" in archive.read("README.md").decode()


async def test_without_the_room_the_log_takes_the_write_and_rooms_catch_up(
        tmp_path: Path, sqlite_url: str) -> None:
    from negotiation_helpers import problem_text, ws_url
    from process_helpers import DocClient

    from process.negotiation.writer import LogWriter

    async with served(tmp_path, sqlite_url) as (address, client, app):
        world = await World(client).build()
        await reach(world, "draft3")
        await write_problem(address, world)
        base = f"/api/documents/{world.document_id}"
        # As on an instance with no live rooms: the process appends to the log itself.
        app.state.negotiation.writer = LogWriter(app.state.process_runtime)
        async with DocClient(ws_url(address, world.document_id,
                                    world.tokens["kldi_member"])) as editor:
            await editor.synced.wait()
            suggestion = (await world.call("POST", f"{base}/suggestions", "kldi_member", json={
                "section": "problem", "quote": "tertutup", "replacement": "terbuka"},
                expect=201)).json()["id"]
            await world.call("POST", f"{base}/suggestions/{suggestion}/decision", "cso_member",
                             json={"decision": "accept"}, expect=200)
            text = (await world.call("GET", f"/api/commitments/{world.commitment_id}/document")
                    ).json()["sections"]["problem"]["text"]
            assert text.startswith("Data kesejahteraan sosial terbuka dan")
            # The open room finds the log ahead of it and catches up: the editor sees it.
            await editor.until(lambda: problem_text(editor.doc)[:1] == [
                "Data kesejahteraan sosial terbuka dan tidak mutakhir."], 20)
            assert _review_entries(editor.doc)[suggestion]["status"] == "accepted"


def _review_entries(doc: object) -> dict[str, dict[str, object]]:
    review = doc.get(REVIEW, type=Map).to_py()  # type: ignore[attr-defined]
    return dict(review["suggestions"])
