"""History: the replay slider, authorship colours, filters, stage compare, contributions."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .conftest import screenshot
from .plan import PEOPLE, Seeded
from .session import open_editor, section, sign_in

pytestmark = pytest.mark.browser


async def test_history_replays_attributes_and_compares_stages(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Versi pertama.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await plan.advance_to("draft2")  # freezes "Draft 1 as agreed"

    budi = await open_editor(browser, plan, "secretariat")
    await section(budi, "problem").click()
    await budi.keyboard.press("Control+End")
    await budi.keyboard.type(" Tambahan sekretariat.")
    await expect(budi.locator("[data-status]")).to_have_attribute("data-status", "saved")

    await plan.history_settled()
    eko = await sign_in(browser, plan, "auditor")
    await eko.goto(f"{plan.server.url}/commitments/{plan.commitment_id}/history")
    replayed = eko.get_by_test_id("replayed").locator('[data-section="problem"]')
    await expect(replayed).to_contain_text("Versi pertama. Tambahan sekretariat.")

    # Authorship: each organisation's text is marked and coloured differently.
    tii = replayed.locator('.run[data-org="tii"]')
    secretariat = replayed.locator('.run[data-org="sekretariat-ogi"]')
    await expect(tii).to_contain_text("Versi pertama.")
    await expect(secretariat).to_contain_text("Tambahan sekretariat.")
    tii_colour = await tii.first.evaluate("node => getComputedStyle(node).backgroundColor")
    secretariat_colour = await secretariat.first.evaluate(
        "node => getComputedStyle(node).backgroundColor"
    )
    assert tii_colour != secretariat_colour
    assert "rgba(0, 0, 0, 0)" not in (tii_colour, secretariat_colour)
    await screenshot(eko, artifacts_dir, "history")

    # The slider goes back in time: the first event shows none of the later text.
    slider = eko.get_by_label("Linimasa peristiwa")
    await slider.focus()
    await eko.keyboard.press("Home")
    await expect(eko.get_by_test_id("event-counter")).to_contain_text("Peristiwa 1 dari")
    await expect(replayed).not_to_contain_text("Tambahan")

    # Filtered to Ani, the last of her events shows the text as she left it.
    await eko.get_by_label("Orang", exact=True).select_option(label=PEOPLE["cso"][0])
    await expect(eko.get_by_test_id("event")).to_contain_text(PEOPLE["cso"][0])
    await expect(replayed).to_contain_text("Versi pertama.")
    await expect(replayed).not_to_contain_text("Tambahan")

    # Colouring can be switched off.
    await eko.get_by_label("Warnai teks menurut organisasi penulis").uncheck()
    colour = await replayed.locator(".run").first.evaluate(
        "node => getComputedStyle(node).backgroundColor"
    )
    assert colour == "rgba(0, 0, 0, 0)"

    # Stage compare: Draft 1 as agreed against now shows the Secretariat's addition.
    await eko.get_by_label("Dari", exact=True).select_option("draft1")
    await eko.get_by_label("Ke", exact=True).select_option("now")
    await eko.get_by_role("button", name="Tampilkan perbedaan").click()
    change = eko.get_by_test_id("comparison").locator('[data-section="problem"] .change')
    await expect(change).to_contain_text("Tambahan sekretariat.")
    await expect(change).to_contain_text(f"ditambahkan oleh {PEOPLE['secretariat'][0]}")

    # Contributions: per organisation and stage. The Secretariat's seeding of the title when
    # it created the commitment counts in Setup.
    by_org = eko.locator("table", has_text="Per organisasi dan tahap")
    await expect(by_org.locator("thead th")).to_have_text(
        ["Organisasi", "Persiapan", "Draf 1", "Draf 2"]
    )
    tii_cells = by_org.locator('tr[data-row="tii"] td')
    await expect(tii_cells.nth(0)).to_have_text("–")
    await expect(tii_cells.nth(1)).to_contain_text("suntingan")
    await expect(tii_cells.nth(2)).to_have_text("–")
    secretariat_cells = by_org.locator('tr[data-row="sekretariat-ogi"] td')
    await expect(secretariat_cells.nth(0)).to_contain_text("suntingan")
    await expect(secretariat_cells.nth(1)).to_have_text("–")
    await expect(secretariat_cells.nth(2)).to_contain_text("suntingan")
    await screenshot(eko, artifacts_dir, "history-compare")
