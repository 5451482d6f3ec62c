"""Public consultation and the Secretariat's admin page, in real browsers."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .conftest import screenshot
from .plan import Seeded
from .session import open_editor, section, sign_in

pytestmark = pytest.mark.browser


async def test_the_public_gives_input_and_sees_the_reasoned_response(
    browser: Browser, plan: Seeded, artifacts_dir: Path
) -> None:
    ani = await open_editor(browser, plan, "cso")
    await section(ani, "problem").click()
    await ani.keyboard.type("Data penerima bansos belum terbuka.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")
    await plan.call("POST", f"/api/plans/{plan.plan_id}/publish", {})
    await plan.advance_to("draft4")

    public = await (await browser.new_context()).new_page()
    await public.goto(f"{plan.server.url}/public")
    await expect(public.get_by_test_id("consultation-state")).to_contain_text("sedang dibuka")
    draft = public.locator(f"#commitment-{plan.commitment_id}")
    await expect(draft).to_contain_text("Data penerima bansos belum terbuka.")
    await draft.get_by_label("Masukan untuk").select_option("section:problem")
    await draft.get_by_label("Masukan Anda").fill("Sertakan data per desa.")
    await draft.get_by_label("Nama (boleh dikosongkan)").fill("Rina")
    await draft.get_by_label("Email atau telepon (tidak dipublikasikan)").fill("rina@example.org")
    await draft.get_by_role("button", name="Kirim masukan").click()
    await expect(draft.get_by_role("status")).to_contain_text("Terima kasih")
    item = draft.locator(".input", has_text="Sertakan data per desa.")
    await expect(item).to_contain_text("Menunggu tanggapan")
    await expect(item).not_to_contain_text("rina@example.org")  # the contact stays private
    await screenshot(public, artifacts_dir, "public-consultation")

    budi = await sign_in(browser, plan, "secretariat")
    await budi.goto(f"{plan.server.url}/admin")
    form = budi.locator("form.respond", has_text="Sertakan data per desa.")
    await expect(form).to_contain_text("rina@example.org")  # the Secretariat may contact her
    await form.get_by_label("Keputusan").select_option("partly")
    await form.get_by_role("button", name="Catat tanggapan").click()
    reason = form.get_by_label("Alasan (wajib)")
    assert await reason.evaluate("field => field.validity.valueMissing")  # a reason is required
    await expect(form).to_be_visible()
    await reason.fill("Data per kabupaten dulu; per desa tahun depan.")
    await form.get_by_role("button", name="Catat tanggapan").click()
    await expect(budi.locator("form.respond")).to_have_count(0)
    await screenshot(budi, artifacts_dir, "admin")

    await public.reload()
    item = public.locator(".input", has_text="Sertakan data per desa.")
    await expect(item).to_contain_text("Diterima sebagian")
    await expect(item).to_contain_text("Data per kabupaten dulu; per desa tahun depan.")


async def test_the_secretariat_invites_someone_and_advances_the_stage(
    browser: Browser, plan: Seeded
) -> None:
    budi = await sign_in(browser, plan, "secretariat")
    await budi.goto(f"{plan.server.url}/admin")
    invite = budi.locator("form", has=budi.get_by_role("heading", name="Undang"))
    await invite.get_by_label("Nama").fill("Fajar Nugroho")
    await invite.get_by_label("Organisasi").select_option("infid")
    await invite.get_by_role("button", name="Undang").click()
    link = budi.get_by_role("textbox", name="Tautan undangan untuk Fajar Nugroho:")
    url = await link.input_value()
    assert "/invite/" in url

    fajar = await (await browser.new_context()).new_page()
    await fajar.goto(url)
    await expect(fajar.get_by_test_id("me-name")).to_have_text("Fajar Nugroho")
    await expect(fajar.get_by_test_id("me-org")).to_have_text("INFID")

    heading = budi.get_by_role("heading", name="Tahap dan daftar periksa")
    stage = budi.locator("section", has=heading)
    await expect(stage.get_by_test_id("checklist")).to_be_visible()
    advance = stage.get_by_role("button", name="Maju ke Draf 2")
    await expect(advance).to_be_disabled()  # warnings must be reviewed first
    await stage.get_by_label("Saya sudah meninjau catatan di atas").check()
    await advance.click()
    await expect(stage.get_by_role("status")).to_contain_text("Draf 2")
    await fajar.reload()
    await expect(fajar.get_by_test_id("stage")).to_have_text("Draf 2")


async def test_a_teleconference_session_tags_the_edits_of_its_attendees(
    browser: Browser, plan: Seeded
) -> None:
    budi = await sign_in(browser, plan, "secretariat")
    await budi.goto(f"{plan.server.url}/admin")
    sessions = budi.locator("section", has=budi.get_by_role("heading", name="Sesi ko-kreasi"))
    await sessions.get_by_label("Metode").select_option("TC")
    await sessions.get_by_label("Tanggal").fill("2024-03-12")
    await sessions.get_by_label("Judul sesi").fill("Telekonferensi data bansos")
    await sessions.get_by_role("button", name="Buka sesi").click()
    session = sessions.locator("article.session", has_text="Telekonferensi data bansos")
    await session.get_by_label("Transparency International Indonesia").check()
    await session.get_by_role("button", name="Simpan kehadiran").click()
    await expect(session.get_by_role("status")).to_be_visible()

    ani = await open_editor(browser, plan, "cso")
    await expect(ani.get_by_test_id("session-note")).to_contain_text("Telekonferensi data bansos")
    await section(ani, "problem").click()
    await ani.keyboard.type("Dibahas saat telekonferensi.")
    await expect(ani.locator("[data-status]")).to_have_attribute("data-status", "saved")

    await session.get_by_label("Notulen").fill("OMS dan Sekretariat menyepakati bagian B.")
    await session.get_by_role("button", name="Simpan notulen").click()
    await session.get_by_role("button", name="Tutup sesi").click()
    closed = sessions.locator("article.session", has_text="ditutup")
    await expect(closed).to_contain_text("OMS dan Sekretariat menyepakati bagian B.")
    await ani.reload()
    await expect(ani.get_by_test_id("me-name")).to_be_visible()
    await expect(ani.get_by_test_id("session-note")).to_have_count(0)
