"""The multi-stakeholder forum, stage gates and sign-offs, over HTTP against the real app.

Who may sign off what at which stage; the gate refusing an advance with the reason, writing
nothing; objections needing the Secretariat's reason; the forum's approval rule.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from process_helpers import World

pytestmark = pytest.mark.asyncio


async def _seen(world: World) -> int:
    """What the plan and its forum look like, to tell that a refusal changed nothing."""
    state = await world.call("GET", f"/api/plans/{world.plan_id}", expect=200)
    forum = await world.call("GET", f"/api/plans/{world.plan_id}/forum", expect=200)
    return hash((state.text, forum.text))


async def _to(world: World, stage: str) -> None:
    while await world.stage() != stage:
        await world.advance()


async def _gates(world: World, body: dict[str, Any], role: str = "secretariat",
                 expect: int = 200) -> Any:
    return (await world.call("PUT", f"/api/plans/{world.plan_id}/gates", role, body,
                             expect=expect)).json()


async def _leads(world: World, commitment_id: str, *roles: str) -> None:
    await world.call("PUT", f"/api/commitments/{commitment_id}/lead-organisations",
                     json={"org_ids": [world.orgs[r] for r in roles]}, expect=200)


async def _sign(world: World, role: str, commitment_id: str, position: str = "agree",
                text: str = "", expect: int = 201, **more: Any) -> Any:
    return (await world.call("POST", f"/api/commitments/{commitment_id}/signoffs", role,
                             {"position": position, "text": text, **more},
                             expect=expect)).json()


async def test_without_gate_rules_nothing_is_asked_and_stages_advance_as_before(
    world: World,
) -> None:
    checklist = (await world.call("GET", f"/api/plans/{world.plan_id}/checklist",
                                  expect=200)).json()
    assert checklist["signoffs"] == {"required": [], "ready": True, "done": [], "missing": [],
                                     "objections": [], "reservations": [], "forum": None}
    await _leads(world, world.commitment_id, "kldi_member")
    await _to(world, "draft3")
    refused = await _sign(world, "kldi_member", world.commitment_id, expect=409)
    assert refused["code"] == "no_signoff_at_stage"
    await _to(world, "final")


async def test_lead_agency_matrix_and_the_gate_refuses_until_every_lead_signed(
    world: World,
) -> None:
    await _gates(world, {"draft3": ["lead_agency"]})
    await _leads(world, world.commitment_id, "kldi_member")
    await _to(world, "draft2")
    # Before the gate's stage: the lead agency is asked nothing yet.
    assert (await _sign(world, "kldi_member", world.commitment_id, expect=409))["code"] == \
        "no_signoff_at_stage"
    await world.advance()  # to draft3
    assert await world.stage() == "draft3"

    # Who may sign: the lead agency's people and the Secretariat on its behalf; nobody else.
    for role, status in (("cso_member", 403), ("cso_other", 403), ("kldi_other", 403),
                         ("public", 403), ("auditor", 403), ("anonymous", 401)):
        await _sign(world, role, world.commitment_id, expect=status)
    # A reservation or an objection needs a text.
    for position in ("agree_with_reservations", "object"):
        refused = await _sign(world, "kldi_member", world.commitment_id, position, "  ",
                              expect=422)
        assert refused["code"] == "text_required"

    # The second commitment has no lead agency named: the gate names both gaps.
    advance = await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft3", "acknowledge_warnings": True}, expect=409)
    problem = advance.json()
    assert problem["code"] == "signoffs_missing"
    assert "Organisation kldi_member has not signed off" in problem["detail"]
    assert "commitment 2 has no lead agency named" in problem["detail"]
    assert await world.stage() == "draft3"  # nothing written

    signed = await _sign(world, "kldi_member", world.commitment_id,
                         "agree_with_reservations", "Anggaran tahun kedua belum pasti")
    assert signed["by"]["person_id"] == world.people["kldi_member"]
    assert (signed["stage"], signed["on_behalf"]) == ("draft3", False)
    # The Secretariat signs the other commitment on behalf of its lead agency, marked so.
    await _leads(world, world.unpublished_id, "kldi_other")
    on_behalf = await _sign(world, "secretariat", world.unpublished_id)
    assert on_behalf["on_behalf"] is True
    assert on_behalf["org_id"] == world.orgs["kldi_other"]
    assert on_behalf["by"]["stakeholder"] == "secretariat"

    checklist = (await world.call("GET", f"/api/plans/{world.plan_id}/checklist",
                                  expect=200)).json()
    assert checklist["signoffs"]["ready"] is True
    assert [w["code"] for w in checklist["warnings"] if w["code"].startswith("signoff_")] == \
        ["signoff_reservation"]
    assert "Anggaran tahun kedua belum pasti" in checklist["signoffs"]["reservations"][0]["text"]
    await world.advance()
    assert await world.stage() == "draft4"
    # After the gate's stage: nothing more to sign.
    assert (await _sign(world, "kldi_member", world.commitment_id, expect=409))["code"] == \
        "no_signoff_at_stage"


async def test_an_objection_needs_the_secretariats_reason_to_advance_and_is_recorded(
    world: World,
) -> None:
    await _gates(world, {"draft3": ["lead_agency"]})
    await _leads(world, world.commitment_id, "kldi_member")
    await _leads(world, world.unpublished_id, "kldi_member")
    await _to(world, "draft3")
    await _sign(world, "kldi_member", world.commitment_id, "object",
                "Target 2024 tidak realistis bagi kami")
    await _sign(world, "kldi_member", world.unpublished_id)
    refused = await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft3", "acknowledge_warnings": True}, expect=409)
    assert refused.json()["code"] == "objection_needs_reason"
    assert await world.stage() == "draft3"
    await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft3", "acknowledge_warnings": True,
        "objection_reason": "Disepakati dalam rapat 12 Maret untuk dibahas di Draft 4"},
        expect=200)
    plan = (await world.call("GET", f"/api/plans/{world.plan_id}", expect=200)).json()
    change = plan["history"][-1]
    assert change["objection_reason"].startswith("Disepakati dalam rapat 12 Maret")
    assert any(w["code"] == "signoff_objection" and "Target 2024 tidak realistis" in
               w["message_en"] for w in change["warnings"])


async def test_a_later_signoff_supersedes_for_display_and_all_stay_on_record(
    world: World,
) -> None:
    await _gates(world, {"draft3": ["lead_agency"]})
    await _leads(world, world.commitment_id, "kldi_member")
    await _to(world, "draft3")
    await _sign(world, "kldi_member", world.commitment_id, "object", "Belum sepakat")
    await _sign(world, "kldi_member", world.commitment_id, "agree")
    listed = (await world.call("GET", f"/api/commitments/{world.commitment_id}/signoffs",
                               "cso_member", expect=200)).json()
    assert [(s["position"], s["current"]) for s in listed["signoffs"]] == \
        [("object", False), ("agree", True)]
    checklist = (await world.call("GET", f"/api/plans/{world.plan_id}/checklist",
                                  expect=200)).json()
    assert checklist["signoffs"]["objections"] == []
    for role, status in (("public", 403), ("anonymous", 401), ("auditor", 200)):
        await world.call("GET", f"/api/commitments/{world.commitment_id}/signoffs", role,
                         expect=status)


async def test_forum_membership_is_managed_by_the_secretariat_with_reasons(
    world: World,
) -> None:
    path = f"/api/plans/{world.plan_id}/forum"
    for role in ("cso_member", "kldi_member", "auditor"):
        await world.call("POST", path, role, {"person_id": world.people["cso_member"]},
                         expect=403)
    await world.call("POST", path, json={"person_id": world.people["public"]}, expect=422)
    await world.call("POST", path, json={"person_id": "nobody"}, expect=404)
    for role in ("cso_member", "kldi_member"):
        await world.call("POST", path, json={"person_id": world.people[role]}, expect=201)
    again = await world.call("POST", path, json={"person_id": world.people["cso_member"]},
                             expect=409)
    assert again.json()["code"] == "exists"

    removal = f"{path}/{world.people['kldi_member']}/removal"
    before = await _seen(world)
    refused = await world.call("POST", removal, json={"reason": "   "}, expect=422)
    assert refused.json()["code"] == "reason_required"
    await world.call("POST", removal, json={}, expect=422)
    await world.call("POST", removal, "cso_member", {"reason": "x"}, expect=403)
    assert await _seen(world) == before  # nothing written
    forum = (await world.call("POST", removal, json={"reason": "Pindah tugas"},
                              expect=200)).json()
    assert [m["person_id"] for m in forum["members"]] == [world.people["cso_member"]]
    assert forum["removed"][0]["reason"] == "Pindah tugas"
    await world.call("GET", path, "public", expect=403)


async def test_the_forum_approves_by_majority_with_both_sides(world: World) -> None:
    path = f"/api/plans/{world.plan_id}/forum"
    for role in ("cso_member", "cso_other", "kldi_member"):
        await world.call("POST", path, json={"person_id": world.people[role]}, expect=201)
    await _gates(world, {"draft4": ["forum"]})
    await _to(world, "draft3")
    plan_signoffs = f"/api/plans/{world.plan_id}/signoffs"
    early = await world.call("POST", plan_signoffs, "cso_member", {"position": "agree"},
                             expect=409)
    assert early.json()["code"] == "no_signoff_at_stage"
    await world.advance()  # to draft4
    for role, status in (("kldi_other", 403), ("secretariat", 403), ("auditor", 403),
                         ("public", 403), ("anonymous", 401)):
        await world.call("POST", plan_signoffs, role, {"position": "agree"}, expect=status)

    # Two CSOs agree: a majority, but no government member: not approved.
    for role in ("cso_member", "cso_other"):
        await world.call("POST", plan_signoffs, role, {"position": "agree"}, expect=201)
    refused = await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft4", "acknowledge_warnings": True}, expect=409)
    assert "government 0 (1 needed)" in refused.json()["detail"]
    assert await world.stage() == "draft4"

    await world.call("POST", plan_signoffs, "kldi_member", {
        "position": "agree_with_reservations", "text": "Dengan catatan anggaran"}, expect=201)
    listed = (await world.call("GET", plan_signoffs, "kldi_member", expect=200)).json()
    assert listed["forum"]["approved"] is True
    assert listed["may_sign"] is True
    await world.advance()
    assert await world.stage() == "final"


async def test_gate_rules_only_from_the_secretariat_and_checked(world: World) -> None:
    await _gates(world, {"draft3": ["lead_agency"]}, "cso_member", 403)
    await _gates(world, {"final": ["forum"]}, expect=422)
    await _gates(world, {"draft3": ["everyone"]}, expect=422)
    await world.call("PUT", f"/api/commitments/{world.commitment_id}/lead-organisations",
                     json={"org_ids": [world.orgs["cso_member"]]}, expect=422)
    rules = await _gates(world, {"draft3": ["lead_agency"], "draft4": ["forum"],
                                 "forum_rule": {"min_government": 2}})
    assert rules["gates"] == {"draft3": ["lead_agency"], "draft4": ["forum"]}
    assert rules["forum_rule"] == {"min_government": 2, "min_civil_society": 1}


async def test_objections_and_reservations_are_in_the_exports(
    world: World, tmp_path: Path,
) -> None:
    await _gates(world, {"draft3": ["lead_agency"]})
    await _leads(world, world.commitment_id, "kldi_member")
    await _leads(world, world.unpublished_id, "kldi_member")
    await _to(world, "draft3")
    objection = "Target 2024 tidak realistis bagi Kementerian"
    await _sign(world, "kldi_member", world.commitment_id, "object", objection)
    await _sign(world, "kldi_member", world.unpublished_id, "agree_with_reservations",
                "Perlu anggaran tambahan")
    await world.call("POST", f"/api/plans/{world.plan_id}/advance", json={
        "from_stage": "draft3", "acknowledge_warnings": True,
        "objection_reason": "Dibahas lagi pada konsultasi publik"}, expect=200)
    exports = f"/api/exports/{world.plan_id}"

    document = docx.Document(io.BytesIO(
        (await world.call("GET", f"{exports}/plan.docx?lang=en", expect=200)).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"objects: {objection}" in text
    assert "agrees with reservations: Perlu anggaran tambahan" in text
    assert "advanced over objections, with the reason: Dibahas lagi pada konsultasi" in text

    if shutil.which("pdftotext") is not None:
        pdf = tmp_path / "plan.pdf"
        pdf.write_bytes((await world.call("GET", f"{exports}/plan.pdf", expect=200)).content)
        read = (await asyncio.to_thread(
            subprocess.run, ["pdftotext", str(pdf), "-"], capture_output=True, text=True,
            check=True, timeout=60)).stdout
        assert "keberatan: Target 2024 tidak" in " ".join(read.split())

    data = (await world.call("GET", f"{exports}/opendata.json", expect=200)).json()
    (row,) = [r for r in data["signoffs"] if r["signoff"] == "object"]
    assert (row["text"], row["organisation"], row["current"]) == (
        objection, "Organisation kldi_member", True)

    pack = zipfile.ZipFile(io.BytesIO(
        (await world.call("GET", f"{exports}/evidence.zip", expect=200)).content))
    assert objection in pack.read("forum/signoffs.md").decode()
    assert objection in pack.read("forum/signoffs.csv").decode("utf-8-sig")
    assert "1 current objections and 1 current reservations" in \
        pack.read("README.md").decode()
