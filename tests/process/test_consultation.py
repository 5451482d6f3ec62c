"""The public consultation, completed: a window announced in advance, consent to publish a
name, moderation, face-to-face input, and responses after Final."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from process_helpers import ROLES, World
from starlette.applications import Starlette

from audit.bundle import export_bundle
from audit.keys import load_signer
from process.ratelimit import Limits, RateLimiter


async def head(app: Starlette) -> int:
    return int((await app.state.store.head()).position)


async def to_stage(world: World, stage: str) -> None:
    while await world.stage() != stage:
        await world.advance()


def moment(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).astimezone(
        datetime.now().astimezone().tzinfo).isoformat(timespec="seconds")


def inputs_path(world: World) -> str:
    return f"/api/commitments/{world.commitment_id}/inputs"


async def test_input_is_taken_only_inside_the_announced_window(
    world: World, app: Starlette
) -> None:
    path = f"/api/plans/{world.plan_id}/consultation"
    await to_stage(world, "draft3")
    before = await head(app)
    refusals = [
        ("secretariat", {"opens": moment(1)}, 422, "missing_field"),
        ("secretariat", {"opens": "besok", "closes": moment(2)}, 422, "invalid"),
        ("secretariat", {"opens": "2026-03-01T08:00:00", "closes": moment(2)}, 422,
         "offset_required"),
        ("secretariat", {"opens": moment(2), "closes": moment(1)}, 422, "closes_before_opens"),
        *((role, {"opens": moment(1), "closes": moment(2)}, 403, "forbidden")
          for role in ROLES if role not in ("secretariat", "anonymous")),
        ("anonymous", {"opens": moment(1), "closes": moment(2)}, 401, "not_signed_in"),
    ]
    for role, body, status, code in refusals:
        response = await world.call("POST", path, role, json=body)
        assert (response.status_code, response.json()["error"]) == (status, code), (role, body)
        assert response.json()["message"]
    assert await head(app) == before  # nothing recorded

    # Announced in advance (in Draft 3), for tomorrow.
    opens, closes = moment(24), moment(48)
    announced = await world.call("POST", path, json={"opens": opens, "closes": closes},
                                 expect=200)
    window = announced.json()["consultation"]
    assert window["state"] == "upcoming"
    assert datetime.fromisoformat(window["opens"]) == datetime.fromisoformat(opens)
    await to_stage(world, "draft4")
    before = await head(app)
    early = await world.call("POST", inputs_path(world), "anonymous", json={"text": "Awal"})
    assert (early.status_code, early.json()["error"]) == (409, "consultation_not_open")
    assert "belum dibuka" in early.json()["message"] and "not open yet" in early.json()[
        "message"]
    assert opens[:10] in early.json()["message"] and closes[:10] in early.json()["message"]
    assert await head(app) == before

    # Moved to now: input is taken.
    await world.call("POST", path, json={"opens": moment(-1), "closes": moment(1)}, expect=200)
    plan = await world.call("GET", f"/api/plans/{world.plan_id}", "anonymous", expect=200)
    assert plan.json()["consultation"]["state"] == "open"
    await world.call("POST", inputs_path(world), "anonymous", json={"text": "Di dalam"},
                     expect=201)

    # Over: refused with the dates.
    await world.call("POST", path, json={"opens": moment(-3), "closes": moment(-2)},
                     expect=200)
    before = await head(app)
    late = await world.call("POST", inputs_path(world), "public", json={"text": "Telat"})
    assert (late.status_code, late.json()["error"]) == (409, "consultation_closed")
    assert "sudah ditutup" in late.json()["message"] and "has closed" in late.json()["message"]
    assert await head(app) == before

    await to_stage(world, "final")
    after_final = await world.call("POST", path, json={"opens": moment(1), "closes": moment(2)})
    assert (after_final.status_code, after_final.json()["error"]) == (409, "plan_final")


async def test_the_name_is_published_only_with_consent(world: World) -> None:
    await to_stage(world, "draft4")
    await world.call("POST", inputs_path(world), "anonymous", json={
        "text": "Tanpa izin", "name": "Rina", "organisation": "Warga Bandung",
        "contact": "rina@example.org"}, expect=201)
    await world.call("POST", inputs_path(world), "anonymous", json={
        "text": "Dengan izin", "name": "Budi", "publish_name": True}, expect=201)
    await world.call("POST", inputs_path(world), "cso_other", json={
        "text": "Anggota OMS tanpa izin"}, expect=201)
    for role in ("anonymous", "public", "cso_member", "kldi_member", "auditor"):
        register = await world.call("GET", f"/api/plans/{world.plan_id}/inputs", role,
                                    expect=200)
        names = {i["text"]: (i["name"], i["organisation"]) for i in register.json()["inputs"]}
        assert names == {"Tanpa izin": ("Anonim", "Warga Bandung"),
                         "Dengan izin": ("Budi", ""),
                         "Anggota OMS tanpa izin": ("Anonim", "Organisation cso_other")}, role
    secretariat = await world.call("GET", f"/api/plans/{world.plan_id}/inputs", expect=200)
    seen = {i["text"]: (i["name"], i["publish_name"]) for i in secretariat.json()["inputs"]}
    assert seen["Tanpa izin"] == ("Rina", False)  # the Secretariat may contact them
    assert seen["Dengan izin"] == ("Budi", True)
    opendata = await world.call("GET", f"/api/exports/{world.plan_id}/opendata.json",
                                expect=200)
    exported = {i["text"]: i["name"] for i in opendata.json()["inputs"]}
    assert exported["Tanpa izin"] == "Anonim" and exported["Dengan izin"] == "Budi"


async def test_the_secretariat_hides_abusive_input_with_a_reason_never_deleting_it(
    world: World, app: Starlette
) -> None:
    await to_stage(world, "draft4")
    abusive = await world.call("POST", inputs_path(world), "anonymous", json={
        "text": "kata-kata kasar"}, expect=201)
    kept = await world.call("POST", inputs_path(world), "anonymous", json={
        "text": "Masukan yang baik"}, expect=201)
    input_id = abusive.json()["id"]
    path = f"/api/inputs/{input_id}/hide"
    before = await head(app)
    refusals = [
        ("secretariat", {}, 422, "missing_field"),
        ("secretariat", {"reason": "  "}, 422, "reason_required"),
        *((role, {"reason": "kasar"}, 403, "forbidden")
          for role in ROLES if role not in ("secretariat", "anonymous")),
        ("anonymous", {"reason": "kasar"}, 401, "not_signed_in"),
    ]
    for role, body, status, code in refusals:
        response = await world.call("POST", path, role, json=body)
        assert (response.status_code, response.json()["error"]) == (status, code), (role, body)
    missing = await world.call("POST", "/api/inputs/nope/hide", json={"reason": "x"})
    assert missing.status_code == 404
    assert await head(app) == before

    hidden = await world.call("POST", path, json={"reason": "Ujaran kebencian"}, expect=200)
    assert hidden.json()["hidden"]["reason"] == "Ujaran kebencian"
    assert hidden.json()["text"] == "kata-kata kasar"  # the Secretariat still reads it
    twice = await world.call("POST", path, json={"reason": "lagi"})
    assert (twice.status_code, twice.json()["error"]) == (409, "already_hidden")
    for role in ("anonymous", "cso_member", "auditor"):
        register = await world.call("GET", inputs_path(world), role, expect=200)
        shown = {i["id"]: i for i in register.json()["inputs"]}
        assert shown[input_id]["text"] == "" and shown[input_id]["hidden"]["reason"] == \
            "Ujaran kebencian", role
        assert shown[kept.json()["id"]]["text"] == "Masukan yang baik"

    # Never deleted: the log holds the submission; the bundle proves it by its hash only.
    events = await app.state.store.read_stream(f"input:{input_id}")
    assert events[0].json_payload()["text"] == "kata-kata kasar"
    out = io.StringIO()
    signer = load_signer(app.state.settings.data_dir)
    await export_bundle(app.state.store, world.plan_id, out, signer=signer)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    by_position = {line.get("position"): line for line in lines[1:]}
    assert by_position[events[0].position] == {
        "kind": "withheld", "position": events[0].position, "hash": events[0].hash.hex()}
    assert "kata-kata kasar" not in out.getvalue()
    assert "Ujaran kebencian" in out.getvalue()  # the hiding is given in full
    assert "Masukan yang baik" in out.getvalue()


async def test_a_late_response_completes_the_register_after_final(
    world: World, app: Starlette
) -> None:
    await to_stage(world, "draft4")
    given = await world.call("POST", inputs_path(world), "anonymous", json={
        "text": "Belum ditanggapi"}, expect=201)
    await to_stage(world, "final")
    path = f"/api/inputs/{given.json()['id']}/responses"
    for role in ("cso_other", "kldi_other", "public", "auditor"):
        refused = await world.call("POST", path, role, json={"status": "accepted",
                                                             "reason": "x"})
        assert refused.status_code == 403, role
    late = await world.call("POST", path, "cso_member", json={
        "status": "not_accepted", "reason": "Di luar kewenangan kementerian"}, expect=201)
    assert late.json()["status"] == "not_accepted"
    (event,) = [e for e in await app.state.store.read_stream(f"input:{given.json()['id']}")
                if e.type == "input.responded"]
    assert event.context.stage == "final"


async def test_face_to_face_input_is_entered_by_the_secretariat_tagged_with_its_session(
    world: World, app: Starlette
) -> None:
    await to_stage(world, "draft4")
    # One anonymous input per address: the Secretariat's entries are not counted against it.
    app.state.input_limiter = RateLimiter(Limits(per_client=1))
    session = await world.call("POST", "/api/sessions", json={
        "plan_id": world.plan_id, "method": "PC", "date": "2026-03-12",
        "title": "Konsultasi publik Makassar"}, expect=201)
    teleconference = await world.call("POST", "/api/sessions", json={
        "plan_id": world.plan_id, "method": "TC", "date": "2026-03-12",
        "title": "Telekonferensi"}, expect=201)
    path = f"/api/plans/{world.plan_id}/inputs"
    session_id = session.json()["id"]
    csv_text = ("\ufeffcommitment;text;section;milestone;name;organisation;publish_name\r\n"
                "1;Libatkan penyandang disabilitas;problem;;Andi;Komunitas Tuli;ya\r\n"
                f"{world.unpublished_id};Tambahkan tenggat;;1;Sari;;tidak\r\n")
    before = await head(app)
    refusals = [
        ("secretariat", {"session_id": session_id}, 422, "inputs_or_csv"),
        ("secretariat", {"session_id": session_id, "csv": csv_text,
                         "inputs": []}, 422, "inputs_or_csv"),
        ("secretariat", {"session_id": teleconference.json()["id"], "csv": csv_text}, 422,
         "not_a_consultation"),
        ("secretariat", {"session_id": "nope", "csv": csv_text}, 404, "not_found"),
        ("secretariat", {"session_id": session_id, "csv": "judul,isi\r\nx,y\r\n"}, 422,
         "csv_header"),
        ("secretariat", {"session_id": session_id, "csv": csv_text + "9;Tidak ada;;;;;\r\n"},
         422, "unknown_commitment"),
        ("secretariat", {"session_id": session_id, "csv": csv_text + "1;;;;;;\r\n"}, 422,
         "invalid"),
        ("secretariat", {"session_id": session_id, "csv": csv_text + "1;x;;0;;;\r\n"}, 422,
         "invalid"),
        ("cso_member", {"session_id": session_id, "csv": csv_text}, 403, "forbidden"),
        ("public", {"session_id": session_id, "inputs": [
            {"commitment": "1", "text": "x"}]}, 403, "forbidden"),
    ]
    for role, body, status, code in refusals:
        response = await world.call("POST", path, role, json=body)
        assert (response.status_code, response.json()["error"]) == (status, code), (role, body)
        assert response.json()["message"]
    assert await head(app) == before  # no row of a bad import is recorded

    imported = await world.call("POST", path, json={"session_id": session_id, "csv": csv_text},
                                expect=201)
    rows = imported.json()["inputs"]
    assert [(r["text"], r["name"], r["channel"], r["session_id"]) for r in rows] == [
        ("Libatkan penyandang disabilitas", "Andi", "face_to_face", session_id),
        ("Tambahkan tenggat", "Sari", "face_to_face", session_id)]
    assert rows[0]["target"] == {"section": "problem"} and rows[1]["target"] == {
        "milestone": 1}
    listed = await world.call("POST", path, json={"session_id": session_id, "inputs": [
        {"commitment": world.commitment_id, "text": "Dari kartu masukan"}]}, expect=201)
    assert listed.json()["inputs"][0]["name"] == ""
    register = await world.call("GET", f"/api/plans/{world.plan_id}/inputs", "auditor",
                                expect=200)
    names = {i["text"]: i["name"] for i in register.json()["inputs"]}
    assert names["Libatkan penyandang disabilitas"] == "Andi"
    assert names["Tambahkan tenggat"] == "Anonim"
    events = [e for e in await app.state.store.read_all(after_position=before)
              if e.type == "input.submitted"]
    assert all(e.actor.person_id == "admin" and e.context.session_id == session_id
               for e in events)
