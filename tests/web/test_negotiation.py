"""Negotiation in the editor (issue #13): suggestions proposed, accepted and rejected with a
reason, and comment threads, in real browsers against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from .conftest import Server, screenshot
from .plan import PEOPLE, seed_plan
from .session import expect_plain_text, open_editor, section, select_text

pytestmark = pytest.mark.browser

CSO = PEOPLE["cso"]
CSO2 = PEOPLE["cso2"]
MINISTRY = PEOPLE["kldi"]


def suggestion(page: Page, text: str) -> Locator:
    return page.locator("[data-notes='problem'] [data-suggestion-id]", has_text=text)


async def test_a_ministry_suggests_in_draft_2_and_a_cso_accepts_one_and_rejects_another(
    browser: Browser, server: Server, artifacts_dir: Path
) -> None:
    plan = await seed_plan(server, "draft1")
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Data bansos tertutup untuk publik.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await plan.advance_to("draft2")

    # The ministry may not write in Draft 2, but may suggest: its editor takes proposals.
    citra = await open_editor(browser, plan, "kldi")
    await expect(citra.get_by_test_id("suggest-only")).to_be_visible()
    await expect(citra.get_by_test_id("readonly")).to_have_count(0)
    await expect(section(citra, "problem")).to_have_attribute("data-mode", "suggest")

    # A replacement: select a word and type over it; sent after a pause.
    await select_text(citra, "problem", "tertutup")
    await citra.keyboard.type("terbuka sebagian")
    await expect(suggestion(citra, "terbuka sebagian")).to_have_attribute("data-status", "open")
    # An insertion at the end of the text.
    await section(citra, "problem").click()
    await citra.keyboard.press("Control+End")
    await citra.keyboard.type(" setiap bulan")
    await expect(suggestion(citra, "setiap bulan")).to_have_attribute("data-status", "open")

    # Everyone sees both proposals, in the text (struck and inserted, in the ministry's
    # colour, with its name) and in the column; the text itself has not changed.
    original = "Data bansos tertutup untuk publik."
    for page in (ani, citra):
        await expect(page.locator("[data-notes='problem'] [data-suggestion-id]")).to_have_count(2)
        await expect(section(page, "problem").locator(".suggest-del")).to_have_text("tertutup")
        inserted = section(page, "problem").locator(".suggest-ins ins")
        await expect(inserted).to_have_text(["terbuka sebagian", " setiap bulan"])
        await expect(section(page, "problem").locator(".suggest-who").first).to_contain_text(
            MINISTRY[0]
        )
        await expect(page.get_by_test_id("note-count").first).to_have_attribute(
            "data-suggestions", "2"
        )
        await expect_plain_text(page, "problem", original)
    # The ministry cannot decide; the CSO can.
    await expect(citra.locator("[data-action='accept']")).to_have_count(0)
    await expect(ani.locator("[data-action='accept']")).to_have_count(2)
    # (a full-page screenshot resizes the page: taken where nobody clicks afterwards)
    await screenshot(citra, artifacts_dir, "negotiation-proposed")

    # The CSO accepts the replacement: the text changes for everyone.
    await suggestion(ani, "terbuka sebagian").locator("[data-action='accept']").click()
    accepted_text = "Data bansos terbuka sebagian untuk publik."
    for page in (ani, citra):
        await expect_plain_text(page, "problem", accepted_text)
        card = suggestion(page, "terbuka sebagian")
        await expect(card).to_have_attribute("data-status", "accepted")
        await expect(card.get_by_test_id("decision")).to_contain_text(CSO[0])

    # ... and rejects the insertion, which needs a reason.
    card = suggestion(ani, "setiap bulan")
    await card.locator("[data-action='reject']").click()
    confirm = card.locator("[data-action='confirm-reject']")
    await expect(confirm).to_be_disabled()
    await card.locator("textarea").fill("Data diperbarui per triwulan, bukan bulanan.")
    await confirm.click()
    for page in (ani, citra):
        rejected = suggestion(page, "setiap bulan")
        await expect(rejected).to_have_attribute("data-status", "rejected")
        await expect(rejected.get_by_test_id("decision")).to_contain_text(CSO[0])
        await expect(rejected.get_by_test_id("decision")).to_contain_text("per triwulan")
        await expect(section(page, "problem").locator(".suggest-ins")).to_have_count(0)
        await expect_plain_text(page, "problem", accepted_text)
    await screenshot(citra, artifacts_dir, "negotiation-decided")

    # History and blame: the accepted words are credited to the ministry, accepted by the CSO.
    await ani.goto(f"{server.url}/commitments/{plan.commitment_id}/history")
    run = ani.locator(".replayed [data-section='problem'] .run.accepted")
    await expect(run).to_contain_text("terbuka sebagian")
    await expect(run).to_have_attribute("data-org", MINISTRY[1])
    await expect(run).to_have_attribute("data-accepted-by", "cso")
    await expect(run.locator(".accepted-by")).to_contain_text(CSO[0])
    # The CSO's latest event is the rejection: of the ministry's suggestion, with why.
    await ani.locator("#filter-person").select_option("cso")
    decided = ani.get_by_test_id("event-suggestion")
    await expect(decided).to_contain_text(MINISTRY[0])
    await expect(decided).to_contain_text(CSO[0])
    await expect(decided).to_contain_text("per triwulan")
    await screenshot(ani, artifacts_dir, "negotiation-blame")


async def test_a_stale_suggestion_cannot_be_accepted(browser: Browser, server: Server) -> None:
    plan = await seed_plan(server, "draft2")
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Anggaran bansos tertutup.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    citra = await open_editor(browser, plan, "kldi")
    await expect(section(citra, "problem")).to_have_attribute("data-mode", "suggest")
    await select_text(citra, "problem", "tertutup")
    await citra.keyboard.press("Backspace")
    await expect(suggestion(citra, "tertutup")).to_have_attribute("data-stale", "false")
    accept = suggestion(ani, "tertutup").locator("[data-action='accept']")
    await expect(accept).to_be_enabled()

    # The CSO rewrites the word directly: the proposal no longer applies.
    await select_text(ani, "problem", "tertutup")
    await ani.keyboard.type("rahasia")
    for page in (ani, citra):
        await expect(suggestion(page, "tertutup")).to_have_attribute("data-stale", "true")
        await expect(suggestion(page, "tertutup").get_by_test_id("stale")).to_be_visible()
    await expect(accept).to_be_disabled()
    await expect_plain_text(ani, "problem", "Anggaran bansos rahasia.")


async def test_a_comment_thread_on_a_selection_replied_to_resolved_and_its_text_deleted(
    browser: Browser, server: Server, artifacts_dir: Path
) -> None:
    plan = await seed_plan(server, "draft1")
    ani = await open_editor(browser, plan, "cso")
    dewi = await open_editor(browser, plan, "cso2")
    await section(ani, "problem").click()
    await ani.keyboard.type("Anggaran bansos 2024 belum dipublikasikan sama sekali.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await expect(section(dewi, "problem")).to_contain_text("belum dipublikasikan")

    # Ani comments on a passage, mentioning Dewi.
    await select_text(ani, "problem", "belum dipublikasikan")
    notes = ani.locator("[data-notes='problem']")
    await notes.locator("[data-action='add-comment']").click()
    await expect(notes.locator(".composer .quote")).to_contain_text("belum dipublikasikan")
    await notes.locator(".composer textarea").fill("Sumbernya apa? ")
    mention = notes.locator("[data-action='mention']")
    await mention.focus()
    await expect(mention.locator("option[value='person:cso2']")).to_have_count(1)
    await mention.select_option("person:cso2")
    await notes.locator(".composer [data-action='send']").click()

    for page in (ani, dewi):
        thread = page.locator("[data-notes='problem'] [data-comment-id]")
        await expect(thread).to_have_count(1)
        await expect(thread.locator(".quote")).to_contain_text("belum dipublikasikan")
        await expect(thread.locator(".mention")).to_have_text(f"@{CSO2[0]}")
        await expect(section(page, "problem").locator(".comment-mark")).to_have_text(
            "belum dipublikasikan"
        )
        count = page.get_by_test_id("note-count").first
        await expect(count).to_have_attribute("data-comments", "1")

    # Dewi replies from her browser; Ani sees it.
    thread = dewi.locator("[data-notes='problem'] [data-comment-id]")
    await thread.locator("[data-action='reply']").click()
    await thread.locator("textarea").fill("Dari laporan BPK 2023.")
    await thread.locator("[data-action='send']").click()
    for page in (ani, dewi):
        reply = page.locator("[data-notes='problem'] .replies li")
        await expect(reply).to_contain_text("Dari laporan BPK 2023.")
        await expect(reply).to_contain_text(CSO2[0])

    # The commented words are deleted: the thread stays, marked "on deleted text".
    await select_text(ani, "problem", "belum dipublikasikan ")
    await ani.keyboard.press("Backspace")
    await expect_plain_text(ani, "problem", "Anggaran bansos 2024 sama sekali.")
    for page in (ani, dewi):
        thread = page.locator("[data-notes='problem'] [data-comment-id]")
        await expect(thread).to_have_attribute("data-deleted", "true")
        await expect(thread.get_by_test_id("on-deleted")).to_be_visible()
        await expect(section(page, "problem").locator(".comment-mark")).to_have_count(0)
    await screenshot(dewi, artifacts_dir, "negotiation-comment")

    # Ani resolves it; both see it resolved, and the heading's count goes.
    await ani.locator("[data-notes='problem'] [data-action='resolve']").click()
    for page in (ani, dewi):
        await expect(page.get_by_test_id("note-count")).to_have_count(0)
        await expect(page.locator("[data-notes='problem'] [data-comment-id]")).to_have_count(0)
        await page.locator("[data-notes='problem'] .resolved-list > button").click()
        resolved = page.locator("[data-notes='problem'] [data-comment-id]")
        await expect(resolved).to_have_attribute("data-status", "resolved")


async def test_all_of_a_persons_suggestions_accepted_at_once_and_a_comment_on_the_whole(
    browser: Browser, server: Server
) -> None:
    plan = await seed_plan(server, "draft2")
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Satu dua tiga.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    citra = await open_editor(browser, plan, "kldi")
    await expect(section(citra, "problem")).to_have_attribute("data-mode", "suggest")
    await select_text(citra, "problem", "Satu")
    await citra.keyboard.type("Empat")
    await expect(suggestion(citra, "Empat")).to_have_count(1)
    await select_text(citra, "problem", "dua ")
    await citra.keyboard.press("Delete")
    await expect(citra.locator("[data-notes='problem'] [data-suggestion-id]")).to_have_count(2)

    # The ministry, which may not write, comments on the commitment as a whole.
    whole = citra.locator("[data-notes='*']")
    await whole.locator("[data-action='add-comment']").click()
    await whole.locator("textarea").fill("Mohon libatkan Kemensos sejak awal.")
    await whole.locator("[data-action='send']").click()
    comment = ani.locator("[data-notes='*'] [data-comment-id]")
    await expect(comment).to_contain_text("Mohon libatkan Kemensos sejak awal.")
    await expect(comment).to_contain_text(MINISTRY[0])

    # The CSO accepts all of the ministry's suggestions at once.
    await suggestion(ani, "Empat").locator("[data-action='accept-all']").click()
    for page in (ani, citra):
        cards = page.locator("[data-notes='problem'] [data-suggestion-id]")
        await expect(cards.and_(page.locator("[data-status='accepted']"))).to_have_count(2)
        await expect_plain_text(page, "problem", "Empat tiga.")
