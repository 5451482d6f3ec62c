"""Measure the editor as people feel it, in real browsers against a real server.

    .venv/bin/python -m tests.web.measure [--keys N]

Prints: time from opening the editor to "saved to the log"; the delay from a keystroke in one
browser to the character showing in another (p50, p95, max); and from a keystroke to the
server's acknowledgement that it is durable. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from .conftest import CHROMIUM, CHROMIUM_ARGS, Server, running_server
from .plan import seed_plan

REMOTE_SEEN = """([selector, expected]) => new Promise((resolve) => {
  const node = document.querySelector(selector)
  const start = performance.now()
  const check = () => node.textContent.includes(expected)
    ? resolve(performance.now() - start) : requestAnimationFrame(check)
  check()
})"""

SAVED = """() => new Promise((resolve) => {
  const start = performance.now()
  const check = () => document.querySelector('[data-status]').dataset.status === 'saved'
    ? resolve(performance.now() - start) : setTimeout(check, 1)
  setTimeout(check, 1)
})"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def open_editor(
    browser: Browser, url: str, invitation: str, commitment: str
) -> tuple[Page, float]:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(invitation)
    started = time.perf_counter()
    await page.goto(f"{url}/commitments/{commitment}")
    await page.wait_for_selector('[data-status="saved"]')
    return page, (time.perf_counter() - started) * 1000


async def measure(server: Server, keys: int) -> None:
    plan = await seed_plan(server, "draft1")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        ani, load_a = await open_editor(
            browser, server.url, plan.invitations["cso"], plan.commitment_id
        )
        budi, load_b = await open_editor(
            browser, server.url, plan.invitations["secretariat"], plan.commitment_id
        )
        selector = '.rich[data-section="problem"]'
        await ani.click(selector)
        seen: list[float] = []
        saved: list[float] = []
        text = ""
        for index in range(keys):
            char = "abcdefghijklmnopqrstuvwxyz"[index % 26]
            text += char
            remote = asyncio.ensure_future(budi.evaluate(REMOTE_SEEN, [selector, text]))
            durable = asyncio.ensure_future(ani.evaluate(SAVED))
            await asyncio.sleep(0.02)  # both watchers armed before the key
            started = time.perf_counter()
            await ani.keyboard.type(char)
            await asyncio.wait_for(remote, 10)
            seen.append((time.perf_counter() - started) * 1000)
            await asyncio.wait_for(durable, 10)
            saved.append((time.perf_counter() - started) * 1000)
        await browser.close()
    print(f"editor open to 'saved': {load_a:.0f} ms, {load_b:.0f} ms")
    for name, values in (("keystroke to other browser", seen), ("keystroke to saved", saved)):
        print(f"{name} over {len(values)} keys: p50 {statistics.median(values):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "data") as server:
        asyncio.run(measure(server, args.keys))


if __name__ == "__main__":
    main()
