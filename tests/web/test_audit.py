"""The audit trail on the public page and the downloads page of auditors and the Secretariat."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from .conftest import screenshot
from .plan import Seeded
from .session import sign_in

pytestmark = pytest.mark.browser

SIGN_NOW = "Tandatangani titik periksa sekarang"


async def signed_checkpoints(plan: Seeded) -> list[dict[str, Any]]:
    """The checkpoints as anyone may fetch them, newest (largest tree) first."""
    async with httpx.AsyncClient(base_url=plan.server.url) as client:
        response = await client.get("/api/audit/checkpoints")
    response.raise_for_status()
    listed: list[dict[str, Any]] = response.json()["checkpoints"]
    return sorted(listed, key=lambda c: c["tree_size"], reverse=True)


async def download(page: Page, link_name: str, tmp_path: Path) -> Path:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=link_name).click()
    done = await info.value
    assert await done.failure() is None
    target = tmp_path / done.suggested_filename
    await done.save_as(target)
    return target


async def test_the_public_sees_the_checkpoint_a_stage_advance_signed(
    browser: Browser, plan: Seeded, artifacts_dir: Path, tmp_path: Path
) -> None:
    await plan.call("POST", f"/api/plans/{plan.plan_id}/publish", {})
    before = await signed_checkpoints(plan)
    await plan.advance_to("draft2")
    after = await signed_checkpoints(plan)
    assert len(after) == len(before) + 1  # the advance signed one
    newest = after[0]

    context = await browser.new_context(viewport={"width": 390, "height": 844})
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    public = await context.new_page()
    await public.goto(f"{plan.server.url}/public")
    trail = public.get_by_test_id("audit-trail")
    await expect(trail.get_by_role("heading", name="Jejak audit")).to_be_visible()
    await expect(trail).to_contain_text("kokreasi audit verify")
    keys = trail.get_by_role("link", name="Kunci publik penandatangan (JSON)")
    await expect(keys).to_have_attribute("href", "/api/audit/keys")
    listed = trail.locator(".checkpoint")
    await expect(listed).to_have_count(len(after))
    first = listed.first
    await expect(first).to_have_attribute("data-tree-size", str(newest["tree_size"]))
    root = first.locator("code").first
    await expect(root).to_have_text(newest["root"][:12] + "…")
    await first.get_by_role("button", name="Salin akar lengkap").click()
    await expect(first.get_by_role("status").first).to_have_text("Tersalin.")
    assert await public.evaluate("navigator.clipboard.readText()") == newest["root"]
    # The signed note is what a reader keeps, and the proof link checks it later.
    await first.get_by_role("button", name="Salin catatan bertanda tangan lengkap").click()
    await expect(first.get_by_role("status").last).to_have_text("Tersalin.")
    assert await public.evaluate("navigator.clipboard.readText()") == newest["note"]
    await expect(first.get_by_role("link", name="Bukti konsistensi (JSON)")).to_have_attribute(
        "href", f"/api/audit/consistency?from={newest['tree_size']}"
    )

    # Nothing for auditors shows to the public, and the server refuses it anyway.
    await expect(public.get_by_role("link", name="Unduhan")).to_have_count(0)
    await expect(public.get_by_role("link", name="Paket audit (JSON Lines)")).to_have_count(0)
    await expect(public.get_by_role("button", name=SIGN_NOW)).to_have_count(0)

    # The published plan's open data, downloaded from the page.
    data = json.loads((await download(public, "Data terbuka (JSON)", tmp_path)).read_text())
    assert "Membuka data kesejahteraan sosial" in json.dumps(data)
    await expect(public.get_by_role("link", name="PDF, Bahasa Inggris")).to_have_attribute(
        "href", f"/api/exports/{plan.plan_id}/plan.pdf?lang=en"
    )
    # The page's width is the phone's: nothing forces sideways scrolling.
    assert await public.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await screenshot(public, artifacts_dir, "public-audit-trail")

    await public.get_by_role("button", name="English").click()
    await expect(trail.get_by_role("heading", name="Audit trail")).to_be_visible()
    await expect(trail.get_by_role("link", name="Signing public keys (JSON)")).to_be_visible()

    await public.goto(f"{plan.server.url}/downloads")
    await expect(public.get_by_role("link", name="Audit bundle (JSON Lines)")).to_have_count(0)
    async with httpx.AsyncClient(base_url=plan.server.url) as client:
        refused = await client.get(f"/api/audit/bundle?plan={plan.plan_id}")
    assert refused.status_code == 401


async def test_auditor_downloads_and_the_secretariat_signs_a_checkpoint(
    browser: Browser, plan: Seeded, artifacts_dir: Path, tmp_path: Path
) -> None:
    await plan.advance_to("draft2")  # Draft 1 now has a snapshot to download

    eko = await sign_in(browser, plan, "auditor")
    await eko.get_by_role("link", name="Unduhan").click()
    await expect(eko.get_by_role("heading", name="Unduhan", exact=True)).to_be_visible()

    bundle = await download(eko, "Paket audit (JSON Lines)", tmp_path)
    with bundle.open(encoding="utf-8") as lines:
        header = json.loads(lines.readline())
    assert header["kind"] == "header"
    assert header["format"] == "kokreasi-audit-bundle/3"
    assert header["plan"] == plan.plan_id

    evidence = await download(eko, "Paket bukti (zip)", tmp_path)
    with zipfile.ZipFile(evidence) as pack:
        assert pack.testzip() is None
        names = pack.namelist()
    assert "manifest.json" in names
    assert any(name.startswith("audit/") for name in names)

    await eko.get_by_label("Bahasa dokumen").select_option("en")
    await eko.get_by_label("Versi").select_option(label="Draf 1 sebagaimana disepakati")
    await expect(eko.get_by_test_id("plan-download")).to_have_attribute(
        "href", f"/api/exports/{plan.plan_id}/plan.pdf?lang=en&stage=draft1"
    )
    async with eko.expect_download() as info:
        await eko.get_by_test_id("plan-download").click()
    pdf = await info.value
    assert pdf.suggested_filename == f"{plan.plan_id}-draft1-en.pdf"
    await pdf.save_as(tmp_path / "plan.pdf")
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF-")

    # Signing is the Secretariat's: the auditor has no button.
    await expect(eko.get_by_role("button", name=SIGN_NOW)).to_have_count(0)
    await screenshot(eko, artifacts_dir, "downloads-auditor")

    budi = await sign_in(browser, plan, "secretariat", width=390, height=844)
    await budi.goto(f"{plan.server.url}/downloads")
    before = await signed_checkpoints(plan)
    await budi.get_by_role("button", name=SIGN_NOW).click()
    signed = budi.get_by_role("status").first
    await expect(signed).to_contain_text("Titik periksa baru ditandatangani")
    after = await signed_checkpoints(plan)
    assert len(after) == len(before) + 1
    newest = after[0]
    await expect(signed).to_contain_text(
        f"ukuran pohon {newest['tree_size']}, akar {newest['root']}"
    )
    await expect(budi.locator(".checkpoint").first).to_have_attribute(
        "data-tree-size", str(newest["tree_size"])
    )
    assert await budi.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await screenshot(budi, artifacts_dir, "downloads-secretariat-phone")
