"""Signing people in through their invitation links, and finding things on the editor page."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

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


# The text of a section without the proposed insertions drawn inside it (they are not text).
PLAIN_TEXT = """(selector) => {
  const copy = document.querySelector(selector).cloneNode(true)
  copy.querySelectorAll('.suggest-ins, .collaboration-carets__caret').forEach((e) => e.remove())
  return copy.textContent
}"""

SELECT = """([selector, needle]) => {
  // Across the text nodes decorations split the text into, skipping drawn insertions.
  const root = document.querySelector(selector)
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const nodes = []
  let text = ''
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('.suggest-ins, .collaboration-carets__caret')) continue
    nodes.push([node, text.length])
    text += node.data
  }
  const at = text.indexOf(needle)
  if (at < 0) return false
  const locate = (offset, end) => {
    for (const [node, start] of nodes) {
      if (offset < start + node.data.length || (end && offset === start + node.data.length)) {
        return [node, offset - start]
      }
    }
    return null
  }
  const [a, i] = locate(at, false)
  const [b, j] = locate(at + needle.length, true)
  root.focus()
  getSelection().setBaseAndExtent(a, i, b, j)
  return true
}"""


async def plain_text(page: Page, name: str) -> str:
    text: str = await page.evaluate(PLAIN_TEXT, f'.rich[data-section="{name}"]')
    return text


async def expect_plain_text(page: Page, name: str, expected: str) -> None:
    await expect(section(page, name)).to_contain_text(expected.split(" ")[0])
    for _ in range(100):
        if await plain_text(page, name) == expected:
            return
        await page.wait_for_timeout(100)
    assert await plain_text(page, name) == expected


async def select_text(page: Page, name: str, needle: str) -> None:
    """Select text as a person would with the mouse; ProseMirror reads it on selectionchange
    (tried again if the editor redraws meanwhile, e.g. when its mode arrives)."""
    for _ in range(5):
        assert await page.evaluate(SELECT, [f'.rich[data-section="{name}"]', needle]), needle
        try:
            await page.wait_for_function(
                "(needle) => String(getSelection()) === needle", arg=needle, timeout=2000
            )
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"could not select {needle!r}")
