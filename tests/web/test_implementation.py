"""After Final in real browsers: the public page says the consultation is closed, the lead
agency reports progress with an evidence file, and the public sees it per milestone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .conftest import screenshot
from .plan import Seeded
from .session import open_editor, sign_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% notulen\ntrailer << >>\n%%EOF\n"


async def test_the_public_sees_the_closed_consultation_and_progress_per_milestone(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    await ani.get_by_role("button", name="Tambah kegiatan").click()
    row = ani.get_by_role("listitem", name="Kegiatan 1")
    await row.locator('[data-field="activity"]').fill("Publikasi DTKS")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await plan.call("POST", f"/api/plans/{plan.plan_id}/publish", {})
    await plan.advance_to("final")

    public = await (await browser.new_context()).new_page()
    await public.goto(f"{plan.server.url}/public")
    state = public.get_by_test_id("consultation-state")
    await expect(state).to_contain_text("Konsultasi publik sudah ditutup")
    await expect(state).not_to_contain_text("belum dapat memberi masukan")
    await expect(public.get_by_role("button", name="Kirim masukan")).to_have_count(0)

    await plan.call("POST", f"/api/plans/{plan.plan_id}/implementation", {})
    citra = await sign_in(browser, plan, "kldi")
    await citra.goto(f"{plan.server.url}/public")
    form = citra.get_by_role("form", name="Laporkan kemajuan: Membuka data kesejahteraan sosial")
    await form.locator('select[name="milestone"]').select_option("1")
    await form.locator('select[name="status"]').select_option("substantial")
    await form.get_by_label("Periode").fill("2025-S1")
    await form.get_by_label("Catatan").fill("Portal uji coba sudah terbit.")
    await form.get_by_label("Bukti").set_input_files(
        files=[{"name": "notulen.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await form.get_by_role("button", name="Kirim laporan").click()
    await expect(form.get_by_role("status")).to_contain_text("Laporan tercatat.")

    await public.reload()
    progress = public.get_by_test_id(f"progress-{plan.commitment_id}")
    await expect(progress.locator('tr[data-milestone="1"]')).to_contain_text("Substansial")
    await expect(progress.locator('tr[data-milestone="1"]')).to_contain_text("2025-S1")
    report = progress.locator("li[data-report]")
    await expect(report).to_contain_text("Citra Lestari (Kementerian PPN/Bappenas)")
    await expect(report).to_contain_text("Portal uji coba sudah terbit.")
    await expect(report.get_by_role("link", name="notulen.pdf")).to_be_visible()
    await expect(public.get_by_role("form", name="Laporkan kemajuan", exact=False)).to_have_count(0)
    await screenshot(public, artifacts_dir, "public-implementation")
