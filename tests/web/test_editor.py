"""The commitment editor, co-edited live in real browsers against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from .conftest import screenshot
from .plan import PEOPLE, Seeded
from .session import expect_plain_text, open_editor, section

pytestmark = pytest.mark.browser

CSO = PEOPLE["cso"]
SECRETARIAT = PEOPLE["secretariat"]
MINISTRY = PEOPLE["kldi"]


async def test_two_people_type_in_the_same_section_and_see_each_other(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await open_editor(browser, plan, "secretariat")

    await section(ani, "problem").click()
    await ani.keyboard.type("Data bansos tertutup.")
    await expect(section(budi, "problem")).to_have_text("Data bansos tertutup.")

    # Both type at once: Ani at the start of the section, Budi at its end.
    await section(ani, "problem").click()
    await ani.keyboard.press("Control+Home")
    await section(budi, "problem").click()
    await budi.keyboard.press("Control+End")
    await asyncio.gather(
        ani.keyboard.type("Masalah: ", delay=40),
        budi.keyboard.type(" Perlu data terbuka.", delay=40),
    )
    merged = "Masalah: Data bansos tertutup. Perlu data terbuka."
    await expect(section(ani, "problem")).to_have_text(merged)
    await expect(section(budi, "problem")).to_have_text(merged)

    # Each sees the other's caret in that section, labelled with name and organisation.
    ani_caret = section(budi, "problem").locator(".collaboration-carets__caret")
    await expect(ani_caret).to_have_attribute("data-label", f"{CSO[0]} · {CSO[2]}")
    await expect(ani_caret).to_be_visible()
    budi_caret = section(ani, "problem").locator(".collaboration-carets__caret")
    await expect(budi_caret).to_have_attribute("data-label", f"{SECRETARIAT[0]} · {SECRETARIAT[2]}")
    await expect(budi_caret).to_be_visible()
    # ... and the presence list names both, with where they are.
    for page in (ani, budi):
        presence = page.get_by_test_id("presence")
        await expect(presence).to_contain_text(CSO[0])
        await expect(presence).to_contain_text(SECRETARIAT[0])
    for page in (ani, budi):
        await expect(page.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await screenshot(ani, artifacts_dir, "editor-cso")
    await screenshot(budi, artifacts_dir, "editor-secretariat")


def _paragraph_update(section_name: str, text: str) -> bytes:
    """A Yjs update adding a paragraph to a section, as any Yjs client could send it."""
    doc = Doc()
    fragment = doc.get(section_name, type=XmlFragment)
    paragraph = fragment.children.append(XmlElement("paragraph"))
    paragraph.children.append(XmlText(text))
    return doc.get_update()


def _var_uint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


async def test_a_ministry_reads_but_cannot_write_before_draft_3(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Teks OMS.")

    citra = await open_editor(browser, plan, "kldi")
    await expect(section(citra, "problem")).to_have_text("Teks OMS.")
    await expect(citra.locator("[data-status]")).to_have_attribute("data-status", "readonly")
    # Its voice before Draft 3 is suggestions (issue #13): what it types is a proposal, never
    # the text, and its other fields stay read-only.
    await expect(citra.get_by_test_id("suggest-only")).to_be_visible()
    await expect(citra.get_by_test_id("readonly")).to_have_count(0)
    await expect(section(citra, "problem")).to_have_attribute("data-mode", "suggest")
    await expect(citra.locator("#field-title")).to_have_attribute("readonly", "")
    await section(citra, "problem").click()
    await citra.keyboard.press("Control+End")
    await citra.keyboard.type(" Teks kementerian.")
    proposed = section(ani, "problem").locator(".suggest-ins ins")
    await expect(proposed).to_have_text(" Teks kementerian.")
    for page in (ani, citra):
        await expect_plain_text(page, "problem", "Teks OMS.")
    await screenshot(citra, artifacts_dir, "editor-ministry-readonly")

    # The server refuses it too: an update sent over the ministry's own session is denied
    # and reaches nobody.
    update = _paragraph_update("problem", "Disisipkan langsung.")
    message = bytes([0, 2]) + _var_uint(len(update)) + update
    reason = await citra.evaluate(
        """async ([doc, bytes]) => {
            const ws = new WebSocket(`ws://${location.host}/ws/${doc}`)
            ws.binaryType = 'arraybuffer'
            return await new Promise((resolve) => {
              const timer = setTimeout(() => resolve(null), 5000)
              ws.onopen = () => ws.send(new Uint8Array(bytes))
              ws.onmessage = (event) => {
                const data = new Uint8Array(event.data)
                if (data[0] === 2 && data[1] === 0) {
                  clearTimeout(timer)
                  resolve(new TextDecoder().decode(data.subarray(3)))
                  ws.close()
                }
              }
            })
        }""",
        [plan.document_id, list(message)],
    )
    assert reason, "the server did not say the ministry may not write"
    await asyncio.sleep(0.5)
    await expect_plain_text(ani, "problem", "Teks OMS.")


async def test_typing_offline_is_kept_and_delivered_on_reconnect(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await open_editor(browser, plan, "secretariat")

    await ani.context.set_offline(True)
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "offline")
    await section(ani, "commitment").click()
    await ani.keyboard.type("Ditulis saat luring.")
    await screenshot(ani, artifacts_dir, "editor-offline")
    await asyncio.sleep(0.5)
    await expect(section(budi, "commitment")).to_have_text("")

    await ani.context.set_offline(False)
    await expect(section(budi, "commitment")).to_have_text("Ditulis saat luring.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")


async def test_offline_edits_survive_a_reload_while_offline(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await open_editor(browser, plan, "secretariat")

    await ani.context.set_offline(True)
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "offline")
    await section(ani, "solution").click()
    await ani.keyboard.type("Disimpan di perangkat.")
    await asyncio.sleep(0.5)  # IndexedDB writes are asynchronous
    await ani.reload()  # still offline: the page comes from the service worker's cache
    await expect(section(ani, "solution")).to_have_text("Disimpan di perangkat.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "offline")
    await screenshot(ani, artifacts_dir, "editor-offline-reloaded")
    await expect(section(budi, "solution")).to_have_text("")

    await ani.context.set_offline(False)
    await expect(section(budi, "solution")).to_have_text("Disimpan di perangkat.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")


async def test_a_ministry_may_write_once_draft_3_opens(browser: Browser, plan: Seeded) -> None:
    citra = await open_editor(browser, plan, "kldi")
    await expect(citra.get_by_test_id("suggest-only")).to_be_visible()
    await plan.advance_to("draft3")  # while her page is open
    await expect(citra.get_by_test_id("suggest-only")).to_have_count(0)
    await expect(section(citra, "lead_agency")).to_have_attribute("data-mode", "edit")
    await section(citra, "lead_agency").click()
    await citra.keyboard.type("Kementerian Sosial")
    await expect(citra.locator("[data-status]")).to_have_attribute("data-status", "saved")
    ani = await open_editor(browser, plan, "cso")
    await expect(section(ani, "lead_agency")).to_have_text("Kementerian Sosial")


async def test_milestones_title_and_dates_are_shared_and_checked(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    budi = await open_editor(browser, plan, "secretariat")

    await ani.get_by_label("Nama komitmen").fill("Membuka data bansos")
    await expect(budi.get_by_label("Nama komitmen")).to_have_value("Membuka data bansos")
    await expect(budi.locator("h1")).to_contain_text("Membuka data bansos")

    await ani.get_by_role("button", name="Tambah kegiatan").click()
    row = budi.get_by_role("listitem", name="Kegiatan 1")
    await expect(row).to_be_visible()
    await row.get_by_label("Kegiatan", exact=False).first.fill("Publikasi DTKS")
    mine = ani.get_by_role("listitem", name="Kegiatan 1")
    await expect(mine.locator('[data-field="activity"]')).to_have_value("Publikasi DTKS")
    await mine.locator('[data-field="start"]').fill("2024-03-01")
    await mine.locator('[data-field="end"]').fill("2024-01-31")
    await expect(row.locator('[data-field="end"]')).to_have_value("2024-01-31")
    # The server's validation report, beside the text, names the problems of milestone 1.
    report = budi.get_by_test_id("validation")
    await expect(report).to_contain_text("Tonggak 1 belum punya kegiatan dengan keluaran")
    await expect(report).to_contain_text("Tonggak 1 selesai sebelum dimulai")

    # Two people typing in the same milestone field at once both keep their words.
    theirs = row.locator('[data-field="output"]')
    ours = mine.locator('[data-field="output"]')
    await ours.click()
    await ani.keyboard.type("Portal data")
    await expect(theirs).to_have_value("Portal data")
    await theirs.click()
    await budi.keyboard.press("End")
    await ours.press("Home")
    await asyncio.gather(
        ani.keyboard.type("Laporan dan ", delay=40),
        budi.keyboard.type(" terbuka", delay=40),
    )
    await expect(theirs).to_have_value("Laporan dan Portal data terbuka")
    await expect(ours).to_have_value("Laporan dan Portal data terbuka")

    for _ in range(4):
        await ani.get_by_role("button", name="Tambah kegiatan").click()
    await expect(ani.get_by_role("button", name="Tambah kegiatan")).to_be_disabled()
    await expect(ani.get_by_text("Sudah 5 kegiatan: batas template.")).to_be_visible()
    await expect(budi.locator(".milestone")).to_have_count(5)
    await expect(budi.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await screenshot(budi, artifacts_dir, "editor-milestones")


async def test_the_editor_names_every_part_as_the_exported_plan_does(
    browser: Browser, plan: Seeded
) -> None:
    from commitment.labels import FIELDS, GROUPS, section_heading

    ani = await open_editor(browser, plan, "cso")
    for language in ("id", "en"):
        if language == "en":
            await ani.get_by_role("button", name="English").click()
        index = 0 if language == "id" else 1
        await expect(ani.locator("#section-lead_agency h3")).to_have_text(
            section_heading("lead_agency", language))
        await expect(ani.locator("#section-alignment h3")).to_have_text(
            section_heading("alignment", language))
        await expect(ani.locator("label[for=meta-lead_agency]")).to_have_text(
            FIELDS["meta.lead_agency"][index])
        await expect(ani.locator("#milestones-heading")).to_have_text(GROUPS["milestones"][index])
        await expect(ani.locator("label[for=contact-name]")).to_have_text(
            FIELDS["contacts.name"][index])
