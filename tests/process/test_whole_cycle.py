"""One plan through the whole cycle over HTTP and the websocket on PostgreSQL: Draft 4 with a
consultation window, input inside and outside it, Final, a late response, implementation
with progress and an evidence file, a revision during implementation, the exports."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta

from process_helpers import DocClient, World
from starlette.applications import Starlette
from test_implementation import PDF, add_milestones, to_stage


def moment(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat(timespec="seconds")


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


async def test_a_plan_goes_through_the_whole_cycle(
    world: World, app: Starlette, address: str
) -> None:
    plan_path = f"/api/plans/{world.plan_id}"
    inputs_path = f"/api/commitments/{world.commitment_id}/inputs"
    await add_milestones(address, world, 2)  # Draft 1
    await to_stage(world, "draft3")
    # Announced in advance, for later: input in Draft 4 before it opens is refused.
    await world.call("POST", f"{plan_path}/consultation",
                     json={"opens": moment(2), "closes": moment(26)}, expect=200)
    await to_stage(world, "draft4")
    outside = await world.call("POST", inputs_path, "anonymous", json={"text": "Terlalu awal"})
    assert (outside.status_code, outside.json()["error"]) == (409, "consultation_not_open")
    await world.call("POST", f"{plan_path}/consultation",
                     json={"opens": moment(-1), "closes": moment(23)}, expect=200)
    answered = await world.call("POST", inputs_path, "anonymous", json={
        "text": "Terbitkan data per kabupaten", "name": "Rina", "publish_name": True},
        expect=201)
    unanswered = await world.call("POST", inputs_path, "public", json={
        "text": "Libatkan organisasi disabilitas", "milestone": 2}, expect=201)
    await world.call("POST", f"/api/inputs/{answered.json()['id']}/responses", json={
        "status": "accepted", "reason": "Ditambahkan pada kegiatan 1"}, expect=201)

    await to_stage(world, "final")
    late = await world.call("POST", f"/api/inputs/{unanswered.json()['id']}/responses",
                            "cso_member", json={"status": "partly",
                                                "reason": "Dilibatkan pada tahap pelaksanaan"},
                            expect=201)
    assert late.json()["status"] == "partly"
    register = await world.call("GET", f"{plan_path}/inputs", "anonymous", expect=200)
    assert {i["status"] for i in register.json()["inputs"]} == {"accepted", "partly"}

    opened = await world.call("POST", f"{plan_path}/implementation", json={}, expect=200)
    assert opened.json()["stage"] == "implementation"
    evidence = await world.call(
        "POST", f"/api/commitments/{world.commitment_id}/evidence", "kldi_member", json={
            "filename": "notulen-rapat.pdf", "content_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode()}, expect=201)
    sha = evidence.json()["sha256"]
    assert sha == hashlib.sha256(PDF).hexdigest()
    progress = await world.call("POST", f"/api/commitments/{world.commitment_id}/progress",
                                "kldi_member", json={
                                    "milestone": 1, "status": "complete", "period": "2025-S1",
                                    "note": "Data terbit", "evidence": [sha]}, expect=201)
    await world.call("POST", f"/api/commitments/{world.commitment_id}/progress", "cso_member",
                     json={"kind": "monitoring", "disputes": progress.json()["id"],
                           "note": "Data belum per kabupaten"}, expect=201)

    # A revision during implementation: its authors edit, the text is frozen again after.
    await world.call("POST", f"/api/commitments/{world.commitment_id}/revisions",
                     json={"reason": "Nama unit pelaksana berubah"}, expect=201)
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token={world.tokens['kldi_member']}"
    async with DocClient(url) as ministry:
        await ministry.until(lambda: ministry.synced.is_set())
        assert await ministry.type(" (revisi)")
    closed = await world.call("POST",
                              f"/api/commitments/{world.commitment_id}/revisions/2/close",
                              json={"summary": "Unit diperbarui"}, expect=200)
    assert closed.json()["version"] == 2
    revision_edits = [e for e in await app.state.store.read_stream(f"doc:{world.document_id}")
                      if e.actor.person_id == world.people["kldi_member"]]
    assert revision_edits[-1].context.stage == "implementation"

    opendata = await world.call("GET", f"/api/exports/{world.plan_id}/opendata.json",
                                expect=200)
    milestones = opendata.json()["milestones"]
    assert [(m["number"], m["status"]) for m in milestones if m["status"]] == [
        (1, "complete")]
    assert [p["kind"] for p in opendata.json()["progress"]] == ["progress", "monitoring"]
    pack = await world.call("GET", f"/api/exports/{world.plan_id}/evidence.zip", "auditor",
                            expect=200)
    archive = zipfile.ZipFile(io.BytesIO(pack.content))
    reports = rows(archive, "implementation/progress.csv")
    assert [(r["kind"], r["status"], r["evidence_sha256"]) for r in reports] == [
        ("progress", "complete", sha), ("monitoring", "", "")]
    (file,) = rows(archive, "implementation/evidence-files.csv")
    assert (file["sha256"], file["filename"]) == (sha, "notulen-rapat.pdf")
    assert "Implementation progress" in archive.read("README.md").decode()
