"""Implementation after Final: opened by the Secretariat, progress per milestone reported by
the lead agency (or the Secretariat for it), monitoring notes by the working group's CSOs,
evidence files stored under their SHA-256."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pycrdt
from process_helpers import ROLES, DocClient, World
from starlette.applications import Starlette

import ycodec
from server import protocol

PDF = b"%PDF-1.4\n% laporan kemajuan\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


async def head(app: Starlette) -> int:
    return int((await app.state.store.head()).position)


async def to_stage(world: World, stage: str) -> None:
    while await world.stage() != stage:
        await world.advance()


async def add_milestones(address: str, world: World, count: int) -> None:
    """Write ``count`` milestones into the commitment's document, as an editor would (in
    Draft 1)."""
    await to_stage(world, "draft1")
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token={world.tokens['cso_member']}"
    async with DocClient(url) as editor:
        await editor.until(lambda: editor.synced.is_set())
        milestones = editor.doc.get("milestones", type=pycrdt.Array)
        before = editor.doc.get_state()
        for n in range(1, count + 1):
            milestones.append(pycrdt.Map({"activity": f"Kegiatan {n}",
                                          "deliverable": f"Keluaran {n}",
                                          "start": "2025-01-01", "end": "2025-12-31"}))
        await editor._ws.send(protocol.sync_update(editor.doc.get_update(before)))
        clock = ycodec.decode_state_vector(editor.doc.get_state())[editor.doc.client_id]
        await editor.until(lambda: editor.saved.get(editor.doc.client_id, 0) >= clock)
        assert not editor.denied


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def progress_path(world: World) -> str:
    return f"/api/commitments/{world.commitment_id}/progress"


def evidence_body(data: bytes = PDF, **more: Any) -> dict[str, Any]:
    return {"filename": "laporan-s1.pdf", "content_type": "application/pdf",
            "content_base64": base64.b64encode(data).decode(), **more}


async def test_implementation_opens_only_after_final_by_the_secretariat(
    world: World, app: Starlette
) -> None:
    path = f"/api/plans/{world.plan_id}/implementation"
    await to_stage(world, "draft4")
    before = await head(app)
    early = await world.call("POST", path, json={})
    assert (early.status_code, early.json()["error"]) == (409, "not_final")
    assert "setelah rencana aksi final" in early.json()["message"]
    await to_stage(world, "final")
    before = await head(app)
    for role in ROLES:
        if role in ("secretariat", "anonymous"):
            continue
        refused = await world.call("POST", path, role, json={})
        assert refused.status_code == 403, role
    assert (await world.call("POST", path, "anonymous", json={})).status_code == 401
    assert await head(app) == before
    opened = await world.call("POST", path, json={}, expect=200)
    assert opened.json()["stage"] == "implementation"
    assert opened.json()["stage_name"] == {"id": "Pelaksanaan", "en": "Implementation"}
    assert opened.json()["next_stage"] is None
    assert opened.json()["implementation"]["opened_by"]["person_id"] == "admin"
    twice = await world.call("POST", path, json={})
    assert (twice.status_code, twice.json()["error"]) == (409, "implementation_open")
    advance = await world.call("POST", f"/api/plans/{world.plan_id}/advance",
                               json={"from_stage": "implementation"})
    assert advance.status_code == 409
    # Not a stage advance: no snapshot of Final is cut by it.
    advanced = [e for e in await app.state.store.read_stream(f"plan:{world.plan_id}")
                if e.type == "plan.stage_advanced"]
    assert [e.json_payload()["to"] for e in advanced][-1] == "final"
    # The text stays frozen; revisions keep working during implementation.
    commitment = await world.call("GET", f"/api/commitments/{world.commitment_id}",
                                  "cso_member", expect=200)
    assert commitment.json()["can_write"] is False and commitment.json()["version"] == 1
    await world.call("POST", f"/api/commitments/{world.commitment_id}/revisions",
                     json={"reason": "Tenggat kegiatan 2 digeser"}, expect=201)
    reopened = await world.call("GET", f"/api/commitments/{world.commitment_id}",
                                "kldi_member", expect=200)
    assert reopened.json()["can_write"] is True
    await world.call("POST", f"/api/commitments/{world.commitment_id}/revisions/2/close",
                     json={"summary": "Tenggat baru"}, expect=200)


async def test_progress_rules_each_refused_with_a_reason_nothing_written(
    world: World, app: Starlette, address: str
) -> None:
    await add_milestones(address, world, 2)
    await to_stage(world, "final")
    body = {"milestone": 1, "status": "limited", "note": "Rapat koordinasi", "period": "2025-S1"}
    before = await head(app)
    not_open = await world.call("POST", progress_path(world), "kldi_member", json=body)
    assert (not_open.status_code, not_open.json()["error"]) == (409, "conflict")
    assert "belum dibuka" in not_open.json()["message"] and "not open" in not_open.json()[
        "message"]
    upload_early = await world.call("POST", f"/api/commitments/{world.commitment_id}/evidence",
                                    "kldi_member", json=evidence_body())
    assert upload_early.status_code == 409
    await world.call("POST", f"/api/plans/{world.plan_id}/implementation", json={},
                     expect=200)
    before = await head(app)
    monitoring = {"kind": "monitoring", "note": "Belum ada rapat dengan OMS"}
    refusals = [
        # who
        ("kldi_other", body, 403, "lead agency"),
        ("cso_member", body, 403, "lead agency"),
        ("cso_other", body, 403, "lead agency"),
        ("public", body, 403, "lead agency"),
        ("auditor", body, 403, "lead agency"),
        ("anonymous", body, 401, ""),
        ("kldi_member", monitoring, 403, "CSOs of this commitment's working group"),
        ("cso_other", monitoring, 403, "CSOs of this commitment's working group"),
        ("secretariat", monitoring, 403, "CSOs of this commitment's working group"),
        # what
        ("kldi_member", {**body, "status": None}, 422, "status"),
        ("kldi_member", {**body, "status": "half"}, 422, "status"),
        ("kldi_member", {**body, "milestone": None}, 422, "milestone"),
        ("kldi_member", {**body, "milestone": 3}, 422, "from 1 to 2"),
        ("kldi_member", {**body, "milestone": 0}, 422, "at least 1"),
        ("kldi_member", {**body, "period": " "}, 422, "period"),
        ("kldi_member", {**body, "evidence": ["a" * 64]}, 422, "upload the files first"),
        ("kldi_member", {**body, "links": ["javascript:alert(1)"]}, 422, "http"),
        ("kldi_member", {**body, "on_behalf_of": "x"}, 422, "only the Secretariat"),
        ("secretariat", {**body, "on_behalf_of": "nope"}, 422, "not a K/L/D/I"),
        ("cso_member", {**monitoring, "status": "complete"}, 422, "no status"),
        ("cso_member", {"kind": "monitoring"}, 422, "note"),
        ("cso_member", {**monitoring, "disputes": "nope"}, 422, "no progress report"),
    ]
    for role, given, status, words in refusals:
        response = await world.call("POST", progress_path(world), role, json=given)
        assert response.status_code == status, (role, given, response.text)
        assert words in response.json()["message"], (role, given, response.json())
    missing = await world.call("POST", "/api/commitments/nope/progress", "kldi_member",
                               json=body)
    assert missing.status_code == 404
    evidence_path = f"/api/commitments/{world.commitment_id}/evidence"
    uploads = [
        ("public", evidence_body(), 403, "forbidden"),
        ("kldi_other", evidence_body(), 403, "forbidden"),
        ("kldi_member", evidence_body(content_type="application/x-msdownload"), 422,
         "evidence_type"),
        ("kldi_member", evidence_body(b"MZ\x90\x00 not a pdf"), 422, "evidence_content"),
        ("kldi_member", evidence_body(b""), 422, "evidence_empty"),
        ("kldi_member", {**evidence_body(), "content_base64": "bukan base64!"}, 422,
         "invalid_base64"),
        ("kldi_member", evidence_body(PDF + b"\0" * (10 * 1024 * 1024)), 413,
         "evidence_too_large"),
    ]
    for role, given, status, code in uploads:
        response = await world.call("POST", evidence_path, role, json=given)
        assert (response.status_code, response.json()["error"]) == (status, code), (
            role, response.text[:300])
        assert response.json()["message"]
    assert await head(app) == before  # nothing recorded
    assert stored_files(app.state.settings.evidence_path) == []  # and no file kept


async def test_progress_monitoring_and_evidence_are_recorded_and_listed(
    world: World, app: Starlette, address: str
) -> None:
    await add_milestones(address, world, 2)
    await to_stage(world, "final")
    await world.call("POST", f"/api/plans/{world.plan_id}/implementation", json={},
                     expect=200)
    uploaded = await world.call("POST", f"/api/commitments/{world.commitment_id}/evidence",
                                "kldi_member", json=evidence_body(), expect=201)
    sha = hashlib.sha256(PDF).hexdigest()
    assert (uploaded.json()["sha256"], uploaded.json()["size"]) == (sha, len(PDF))
    assert stored_files(app.state.settings.evidence_path) == [
        app.state.settings.evidence_path / sha[:2] / sha]
    again = await world.call("POST", f"/api/commitments/{world.commitment_id}/evidence",
                             "secretariat", json=evidence_body(filename="salinan.pdf"),
                             expect=201)
    assert again.json()["position"] == uploaded.json()["position"]  # recorded once

    own = await world.call("POST", progress_path(world), "kldi_member", json={
        "milestone": 1, "status": "substantial", "note": "Portal data uji coba",
        "period": "2025-S1", "evidence": [sha], "links": ["https://data.go.id/bansos"]},
        expect=201)
    assert own.json()["on_behalf"] is False and own.json()["by"]["org_id"] == world.orgs[
        "kldi_member"]
    for_them = await world.call("POST", progress_path(world), "secretariat", json={
        "milestone": 2, "status": "not_started", "period": "2025-S1"}, expect=201)
    assert for_them.json()["on_behalf"] is True
    assert for_them.json()["on_behalf_of"] == "Organisation kldi_member"
    dispute = await world.call("POST", progress_path(world), "cso_member", json={
        "kind": "monitoring", "disputes": own.json()["id"],
        "note": "Portal belum bisa diakses publik"}, expect=201)
    assert dispute.json()["status"] is None and dispute.json()["milestone"] == 1

    for role in ("anonymous", "public", "auditor", "cso_other"):
        listed = await world.call("GET", progress_path(world), role, expect=200)
        reports = listed.json()["reports"]
        assert [r["kind"] for r in reports] == ["progress", "progress", "monitoring"], role
        assert reports[0]["by"]["name"] == "Person kldi_member" and reports[0]["at"]
        assert listed.json()["milestones"] == [
            {"milestone": 1, "status": "substantial", "period": "2025-S1",
             "report_id": own.json()["id"]},
            {"milestone": 2, "status": "not_started", "period": "2025-S1",
             "report_id": for_them.json()["id"]}]
        (file,) = listed.json()["evidence"]
        assert (file["sha256"], file["filename"]) == (sha, "laporan-s1.pdf")
    downloaded = await world.client.get(file["url"])
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/pdf"
    assert "attachment" in downloaded.headers["content-disposition"]
    unpublished = await world.call("GET", f"/api/commitments/{world.unpublished_id}/progress",
                                   "anonymous")
    assert unpublished.status_code == 403

    events = {e.type: e for e in await app.state.store.read_stream(
        f"progress:{world.commitment_id}")}
    assert events["evidence.uploaded"].json_payload()["sha256"] == sha
    assert events["progress.reported"].context.stage == "implementation"


async def test_the_stage_gate_refuses_a_sixth_milestone_until_it_is_removed(
    world: World, app: Starlette, address: str
) -> None:
    await add_milestones(address, world, 6)  # the editor prevents it; a script may not
    checklist = await world.call("GET", f"/api/plans/{world.plan_id}/checklist", expect=200)
    (blocking,) = [w for w in checklist.json()["warnings"] if w["blocking"]]
    assert blocking["code"] == "too_many_milestones"
    before = await head(app)
    refused = await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft1", "acknowledge_warnings": True})
    assert (refused.status_code, refused.json()["error"]) == (409, "checklist_blocked")
    assert "paling banyak 5" in refused.json()["message"]
    assert "at most 5" in refused.json()["message"]
    assert await head(app) == before and await world.stage() == "draft1"
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token={world.tokens['cso_member']}"
    async with DocClient(url) as editor:
        await editor.until(lambda: editor.synced.is_set())
        milestones = editor.doc.get("milestones", type=pycrdt.Array)
        before_state = editor.doc.get_state()
        del milestones[5]
        await editor._ws.send(protocol.sync_update(editor.doc.get_update(before_state)))
        # A deletion advances no clock of its own: the edit after it is acknowledged once
        # both are logged, in order.
        assert await editor.type(" ")
    await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft1", "acknowledge_warnings": True}, expect=200)
