"""Sign-offs at a stage gate in real browsers: a ministry, the commitment's lead agency, signs
off its commitment with reservations; the Secretariat's checklist turns from missing to ready,
shows the reservation, and the stage advances."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from .plan import Seeded
from .session import open_editor, sign_in

pytestmark = pytest.mark.browser


async def test_the_lead_agency_signs_off_and_the_secretariat_sees_the_gate_clear(
    browser: Browser, plan: Seeded
) -> None:
    await plan.call("PUT", f"/api/plans/{plan.plan_id}/gates", {"draft3": ["lead_agency"]})
    await plan.call("PUT", f"/api/commitments/{plan.commitment_id}/lead-organisations",
                    {"org_ids": ["bappenas"]})
    await plan.advance_to("draft3")

    secretariat = await sign_in(browser, plan, "secretariat")
    await secretariat.goto(f"{plan.server.url}/admin")
    gate = secretariat.get_by_test_id("signoff-gate")
    await expect(gate).to_have_attribute("data-ready", "no")
    await expect(gate.locator('[data-state="missing"]')).to_contain_text(
        "Kementerian PPN/Bappenas belum memberi persetujuan")
    advance = secretariat.get_by_role("button", name="Maju ke Draf 4")
    await expect(advance).to_be_disabled()

    # A CSO member of the working group is not the lead agency: no form for them.
    cso = await open_editor(browser, plan, "cso")
    panel = cso.get_by_test_id("signoffs-commitment")
    await expect(panel).to_contain_text("Belum ada persetujuan")
    await expect(panel.get_by_role("form")).to_have_count(0)

    ministry = await open_editor(browser, plan, "kldi")
    panel = ministry.get_by_test_id("signoffs-commitment")
    await panel.get_by_label("Setuju dengan catatan").check()
    await panel.get_by_label("Catatan atau alasan keberatan (wajib)").fill(
        "Anggaran tahun kedua menunggu RKP 2024")
    await panel.get_by_role("button", name="Catat persetujuan").click()
    await expect(panel.get_by_role("status")).to_have_text("Persetujuan Anda tercatat.")
    await expect(panel.locator('li[data-position="agree_with_reservations"]')).to_contain_text(
        "Anggaran tahun kedua menunggu RKP 2024")

    await secretariat.reload()
    await expect(gate).to_have_attribute("data-ready", "yes")
    await expect(gate.locator('[data-state="done"]')).to_contain_text(
        "Kementerian PPN/Bappenas sudah memberi persetujuan")
    await expect(gate).to_contain_text("Anggaran tahun kedua menunggu RKP 2024")
    await secretariat.locator("button[lang=en]").click()
    await expect(gate).to_contain_text("Every required sign-off is in.")
    await secretariat.get_by_label("I have reviewed the warnings above").check()
    await secretariat.get_by_role("button", name="Advance to Draft 4").click()
    await expect(secretariat.get_by_role("status")).to_contain_text("Draft 4")
    stage = await plan.call("GET", f"/api/plans/{plan.plan_id}")
    assert stage["stage"] == "draft4"
