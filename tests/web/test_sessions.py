"""Signing in and out in a real browser: links used once, a click when another site sent the
person, sign-out ending the session itself, and a Content-Security-Policy the app lives with."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Route, expect

from .plan import PEOPLE, Seeded
from .session import section, sign_in

pytestmark = pytest.mark.browser


async def test_a_link_from_another_site_asks_for_a_click_and_then_works_once(
    browser: Browser, plan: Seeded
) -> None:
    link = plan.invitations["cso2"]
    context = await browser.new_context()

    async def elsewhere(route: Route) -> None:  # another site's page linking to the invitation
        await route.fulfill(content_type="text/html",
                            body=f'<!doctype html><a id="go" href="{link}">undangan</a>')

    await context.route("http://mail.example/**", elsewhere)
    page = await context.new_page()
    await page.goto("http://mail.example/inbox")
    await page.click("#go")
    await expect(page.get_by_text("Masuk ke Kokreasi dengan tautan ini?")).to_be_visible()
    assert "invitation=" not in page.url  # the link is not left in the address bar
    await expect(page.get_by_test_id("me-name")).to_have_count(0)  # not signed in yet
    await page.get_by_role("button", name="Ya, masuk").click()
    await expect(page.get_by_test_id("me-name")).to_have_text(PEOPLE["cso2"][0])

    # The link has been used: opening it again, anywhere, asks for a new one.
    again = await (await browser.new_context()).new_page()
    await again.goto(link)
    await expect(again.get_by_role("alert")).to_contain_text("sudah dipakai")
    await expect(again.get_by_role("alert")).to_contain_text("Mintalah tautan baru")
    await again.get_by_role("button", name="EN").click()
    await expect(again.get_by_role("alert")).to_contain_text("already been used")
    await expect(again.get_by_role("alert")).to_contain_text("Ask the OGI Secretariat")
    await expect(again.get_by_test_id("me-name")).to_have_count(0)


async def test_signing_out_ends_the_session_not_just_the_cookie(
    browser: Browser, plan: Seeded
) -> None:
    page = await sign_in(browser, plan, "cso")
    session = next(c["value"] for c in await page.context.cookies()
                   if c["name"] == "kokreasi_session")
    await page.get_by_role("button", name="Keluar").click()
    await expect(page).to_have_url(re.compile(r"/signin\?signed_out=1$"))
    async with httpx.AsyncClient(base_url=plan.server.url) as client:
        me = await client.get("/api/me", headers={"cookie": f"kokreasi_session={session}"})
    assert me.status_code == 401 and me.json()["error"] == "session_ended"


async def test_the_app_works_within_its_content_security_policy(
    browser: Browser, plan: Seeded
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    await page.goto(plan.invitations["cso"])
    await expect(page.get_by_test_id("me-name")).to_have_text(PEOPLE["cso"][0])
    await editing(page, plan)
    for path in ("/", f"/commitments/{plan.commitment_id}/history", "/public"):
        await page.goto(f"{plan.server.url}{path}")
        await expect(page.locator("main")).to_be_visible()
    assert refused == []


async def editing(page: Page, plan: Seeded) -> None:
    """The editor page: its scripts, styles, service worker and websocket, all allowed."""
    await page.goto(f"{plan.server.url}/commitments/{plan.commitment_id}")
    await expect(page.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await section(page, "lead_agency").click()
    await page.keyboard.type("Kementerian Sosial")
    await expect(page.locator("[data-status]")).to_have_attribute("data-status", "saved")
