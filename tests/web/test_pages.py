"""The pages around the editor: dashboard, sign-in and sign-out, the language switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .conftest import screenshot
from .plan import PEOPLE, Seeded
from .session import open_editor, section, sign_in

pytestmark = pytest.mark.browser


async def test_dashboard_shows_the_stage_commitments_and_who_is_editing(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await sign_in(browser, plan, "secretariat")  # lands on the dashboard

    await expect(budi.get_by_test_id("stage")).to_have_text("Draf 1")
    await expect(budi.locator(".timeline [aria-current=step]")).to_contain_text("Draf 1")
    row = budi.locator(f'tr[data-commitment="{plan.commitment_id}"]')
    await expect(row).to_contain_text("Membuka data kesejahteraan sosial")
    await expect(row).to_contain_text(f"{PEOPLE['cso'][0]} ({PEOPLE['cso'][2]})")
    await expect(row.locator(".badge")).to_be_visible()
    await screenshot(budi, artifacts_dir, "dashboard")

    await ani.close()  # leaving the editor leaves the list of who is editing
    await expect(row).not_to_contain_text(PEOPLE["cso"][0])

    await row.get_by_role("link", name="Membuka data kesejahteraan sosial", exact=True).click()
    await expect(budi).to_have_url(f"{plan.server.url}/commitments/{plan.commitment_id}")
    await expect(budi.locator("h1")).to_contain_text("Membuka data kesejahteraan sosial")


async def test_the_language_switch_is_remembered(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    page = await sign_in(browser, plan, "cso")
    await expect(page.locator("html")).to_have_attribute("lang", "id")
    await expect(page.get_by_text("Tahap saat ini")).to_be_visible()
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_text("Current stage")).to_be_visible()
    await expect(page.get_by_test_id("stage")).to_have_text("Draft 1")
    await page.reload()
    await expect(page.get_by_test_id("stage")).to_have_text("Draft 1")
    await screenshot(page, artifacts_dir, "dashboard-english")

    await page.goto(f"{plan.server.url}/commitments/{plan.commitment_id}")
    await expect(page.get_by_role("heading", name="B. Public problem")).to_be_visible()
    await page.get_by_role("button", name="Bahasa Indonesia").click()
    await expect(page.get_by_role("heading", name="B. Masalah publik")).to_be_visible()


async def test_signing_out_ends_the_session(browser: Browser, plan: Seeded) -> None:
    page = await sign_in(browser, plan, "kldi")
    await expect(page.get_by_test_id("me-org")).to_have_text(PEOPLE["kldi"][2])
    await expect(page.get_by_test_id("me-role")).to_contain_text("K/L/D/I")
    await page.get_by_role("button", name="Keluar").click()
    await expect(page.get_by_role("heading", name="Masuk dengan tautan undangan")).to_be_visible()
    await expect(page.get_by_test_id("me-name")).to_have_count(0)
    response = await page.request.get(f"{plan.server.url}/api/me")
    assert response.status == 401


async def test_a_pasted_invitation_link_signs_in(browser: Browser, plan: Seeded) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{plan.server.url}/")
    await expect(page.get_by_role("heading", name="Masuk dengan tautan undangan")).to_be_visible()
    await page.get_by_label("Tautan atau kode undangan").fill("bukan tautan")
    await page.get_by_role("button", name="Masuk", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("bukan tautan undangan")
    await page.get_by_label("Tautan atau kode undangan").fill(plan.invitations["cso2"])
    await page.get_by_role("button", name="Masuk", exact=True).click()
    await expect(page.get_by_test_id("me-name")).to_have_text(PEOPLE["cso2"][0])


async def test_keyboard_only_reaches_the_editor_and_types(browser: Browser, plan: Seeded) -> None:
    page = await open_editor(browser, plan, "cso")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Langsung ke isi")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await section(page, "lead_agency").evaluate("node => node === document.activeElement"):
            break
    await expect(section(page, "lead_agency")).to_be_focused()
    await page.keyboard.type("Kementerian Sosial")
    await page.keyboard.press("Control+b")
    await page.keyboard.type(" (Pusdatin)")
    await expect(section(page, "lead_agency").locator("strong")).to_have_text(" (Pusdatin)")
    # The section's comment column comes next, then the next toolbar: one tab stop, arrow keys
    # move between its buttons.
    await page.keyboard.press("Tab")
    add_comment = page.locator("[data-notes='lead_agency'] [data-action='add-comment']")
    await expect(add_comment).to_be_focused()
    await page.keyboard.press("Tab")
    toolbar = page.get_by_role("toolbar", name="Format B. Masalah publik")
    await expect(toolbar.get_by_role("button", name="Tebal")).to_be_focused()
    await page.keyboard.press("ArrowRight")
    await expect(toolbar.get_by_role("button", name="Miring")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(section(page, "problem")).to_be_focused()
    await expect(page.locator("[data-status]")).to_have_attribute("data-status", "saved")


async def test_pages_fit_a_phone_screen(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    page = await sign_in(browser, plan, "cso", width=390, height=844)
    pages = {
        "phone-dashboard": "/",
        "phone-editor": f"/commitments/{plan.commitment_id}",
        "phone-public": "/public",
    }
    for name, path in pages.items():
        await page.goto(plan.server.url + path)
        await expect(page.get_by_test_id("me-name")).to_be_visible()
        await page.wait_for_load_state("networkidle")
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        await screenshot(page, artifacts_dir, name)
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
