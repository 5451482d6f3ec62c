"""The editor never shows something false: a lost right to write shows at once, refused text
is kept aside and never passed off as saved, a dropped co-author is shown away, and every tab
says who is really signed in."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from .plan import PEOPLE, Seeded
from .proxy import FreezableProxy
from .session import open_editor, section, sign_in

pytestmark = pytest.mark.browser


async def test_the_advance_to_final_makes_the_editor_read_only_at_once(
    browser: Browser, plan: Seeded
) -> None:
    await plan.advance_to("draft4")
    ani = await open_editor(browser, plan, "cso")
    dewi = await open_editor(browser, plan, "cso2")
    await section(ani, "problem").click()
    await ani.keyboard.type("Sebelum final.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")

    # Dewi types while her network is down: her words are only on her device.
    await dewi.context.set_offline(True)
    await expect(dewi.locator("[data-status]")).to_have_attribute("data-status", "offline")
    await section(dewi, "solution").click()
    await dewi.keyboard.type("Ditulis luring.")

    await plan.advance_to("final")
    # Ani sends nothing: the server's word alone turns her page read-only, within a second.
    await expect(ani.get_by_test_id("readonly")).to_be_visible(timeout=1_000)
    await expect(section(ani, "problem")).to_have_attribute("contenteditable", "false",
                                                            timeout=1_000)
    await expect(ani.get_by_test_id("readonly")).to_contain_text("final")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "readonly")
    await expect(section(dewi, "problem")).to_have_text("Sebelum final.")  # saved before

    # Back online, Dewi's copy is read-only and holds words the server never took: they are
    # kept aside for her, not shown as part of the document, and never called saved.
    await dewi.context.set_offline(False)
    kept = dewi.get_by_test_id("kept-aside")
    await expect(kept).to_be_visible()
    await expect(kept.get_by_test_id("kept-text")).to_have_value("Ditulis luring.")
    await expect(section(dewi, "solution")).to_have_text("")
    await expect(dewi.locator("[data-status]")).to_have_attribute("data-status", "readonly")
    await expect(section(ani, "solution")).to_have_text("")
    # A reload shows the same: the text stays aside, the discarded copy does not come back.
    await dewi.reload()
    await expect(dewi.get_by_test_id("kept-text")).to_have_value("Ditulis luring.")
    await expect(dewi.locator("[data-status]")).to_have_attribute("data-status", "readonly")
    await expect(section(dewi, "solution")).to_have_text("")
    await expect(section(dewi, "problem")).to_have_text("Sebelum final.")
    await dewi.get_by_role("button", name=re.compile("Buang|Discard")).click()
    await expect(dewi.get_by_test_id("kept-aside")).to_have_count(0)


async def test_a_refused_edit_is_kept_aside_and_editing_goes_on(
    browser: Browser, plan: Seeded
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await open_editor(browser, plan, "secretariat")
    await section(ani, "problem").click()
    await ani.keyboard.type("Tersimpan.")
    await expect(section(budi, "problem")).to_have_text("Tersimpan.")

    # A paste over the server's 1 MiB limit for one edit: refused (4422), for good.
    await section(ani, "commitment").click()
    await ani.keyboard.insert_text("TEMPELAN " + "x" * 1_100_000)
    kept = ani.get_by_test_id("kept-aside")
    await expect(kept).to_be_visible()
    # The server's reason, in the page's words (the long text is left out of a failure).
    await expect(kept.locator("p").first).to_contain_text("1048576")
    value = await kept.get_by_test_id("kept-text").input_value()
    assert value.startswith("TEMPELAN xxx") and len(value) == len("TEMPELAN ") + 1_100_000
    await expect(section(ani, "commitment")).to_have_text("")
    await expect(section(ani, "problem")).to_have_text("Tersimpan.")

    # The page loaded the document afresh: Ani edits on, and it is saved.
    await section(ani, "commitment").click()
    await ani.keyboard.type("Setelah pemulihan.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await expect(section(budi, "commitment")).to_have_text("Setelah pemulihan.")


async def test_a_co_author_whose_connection_dropped_is_shown_away_within_10_s(
    browser: Browser, plan: Seeded
) -> None:
    budi = await open_editor(browser, plan, "secretariat")
    port = int(plan.server.url.rsplit(":", 1)[1])
    async with FreezableProxy(port).running() as proxy:
        through = f"http://127.0.0.1:{proxy.port}"
        context = await browser.new_context()
        ani = await context.new_page()
        await ani.goto(plan.invitations["cso"].replace(plan.server.url, through))
        await expect(ani.get_by_test_id("me-name")).to_have_text(PEOPLE["cso"][0])
        await ani.goto(f"{through}/commitments/{plan.commitment_id}")
        await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
        present = budi.get_by_test_id("presence").locator("li:not([data-away])",
                                                          has_text=PEOPLE["cso"][0])
        await expect(present).to_have_count(1)

        proxy.freeze()  # Ani's laptop loses the network: no close reaches anyone
        await expect(present).to_have_count(0, timeout=10_000)
        await context.close()


async def test_a_second_sign_in_in_the_same_browser_shows_in_every_tab(
    browser: Browser, plan: Seeded
) -> None:
    first = await sign_in(browser, plan, "cso")
    await first.goto(f"{plan.server.url}/commitments/{plan.commitment_id}")
    await expect(first.locator("[data-status]")).to_have_attribute("data-status", "saved")

    second = await first.context.new_page()
    await second.goto(plan.invitations["cso2"])
    await expect(second.get_by_test_id("me-name")).to_have_text(PEOPLE["cso2"][0])
    # The first tab no longer claims Ani: it says who is signed in now, and why it changed.
    await expect(first.get_by_test_id("me-name")).to_have_text(PEOPLE["cso2"][0])
    await expect(first.get_by_test_id("session-switched")).to_contain_text(PEOPLE["cso"][0])
    await expect(first.locator("[data-status]")).to_have_attribute("data-status", "saved")
