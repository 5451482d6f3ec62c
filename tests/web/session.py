"""Signing people in through their invitation links, and finding things on the editor page."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Locator, Page, expect

from .plan import PEOPLE, Seeded


async def sign_in(
    browser: Browser, plan: Seeded, person: str, *, width: int = 1280, height: int = 900
) -> Page:
    """Open the person's invitation link in a fresh browser, as they would from their email."""
    context = await browser.new_context(viewport={"width": width, "height": height})
    page = await context.new_page()
    await page.goto(plan.invitations[person])
    await expect(page.get_by_test_id("me-name")).to_have_text(PEOPLE[person][0])
    return page


async def open_editor(browser: Browser, plan: Seeded, person: str) -> Page:
    page = await sign_in(browser, plan, person)
    await page.goto(f"{plan.server.url}/commitments/{plan.commitment_id}")
    # Synced with the server: saved (writers) or connected read-only (readers).
    await expect(page.locator("[data-status]")).to_have_attribute(
        "data-status", re.compile("^(saved|readonly)$")
    )
    return page


def section(page: Page, name: str) -> Locator:
    return page.locator(f'.rich[data-section="{name}"]')
