"""Exports from the command line and the web app, and who may download what."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import httpx
import pytest
from audit_history import run_cli
from plan_story import PLAN, SECRET, TII, Story, tell
from starlette.applications import Starlette

import events
from audit.api import routes
from audit.keys import load_signer
from events.record import Stakeholder
from identity.tokens import issue_token
from kokreasi.settings import Settings
from process.registry import Registry


def bearer(role: str) -> dict[str, str]:
    token = issue_token(SECRET, name="Ayu Lestari", org="Some organisation",
                        role=Stakeholder(role))
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Story, Path]]:
    """The audit routes over the same state the server gives them, and the plan's log in the
    data directory, so the command line can open it too."""
    data_dir = tmp_path / "data"
    database_url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    app = Starlette(routes=routes())
    app.state.settings = Settings(data_dir=data_dir, database_url=database_url,
                                  redis_url=None, secret_key=SECRET)
    app.state.store = store = await events.open_store(database_url)
    story = await tell(store, load_signer(data_dir))
    app.state.actor_resolver = Registry(story.runtime)  # as kokreasi.app hands it down
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as client:
            yield client, story, data_dir
    finally:
        await store.close()  # first: see the ``story`` fixture
        await story.runtime.close()


async def test_command_line_exports_every_format(
    served: tuple[httpx.AsyncClient, Story, Path], tmp_path: Path
) -> None:
    _, _, data_dir = served
    common = ["--plan", PLAN, "--data-dir", str(data_dir), "--database-url",
              f"sqlite:///{tmp_path / 'events.sqlite3'}"]
    outputs = {}
    for fmt, extra in [("docx", ["--lang", "en", "--stage", "draft3"]), ("pdf", []),
                       ("json", []), ("csv", []), ("evidence", [])]:
        out = tmp_path / f"export.{fmt}"
        code = await asyncio.to_thread(run_cli, "export", *common, "--format", fmt,
                                       "--out", str(out), *extra)
        assert code == 0
        outputs[fmt] = read_bytes(out)
    document = docx.Document(io.BytesIO(outputs["docx"]))
    assert any("Stage: Draft 3 \u2014 Stage snapshot (frozen)" in p.text
               for p in document.paragraphs)
    assert outputs["pdf"].startswith(b"%PDF")
    assert json.loads(outputs["json"])["commitments"][0]["id"] == "ID0121"
    assert "milestones.csv" in zipfile.ZipFile(io.BytesIO(outputs["csv"])).namelist()
    assert "README.md" in zipfile.ZipFile(io.BytesIO(outputs["evidence"])).namelist()
    missing = tmp_path / "missing.pdf"
    code = await asyncio.to_thread(run_cli, "export", "--plan", "nope", "--data-dir",
                                   str(data_dir), "--database-url",
                                   f"sqlite:///{tmp_path / 'events.sqlite3'}", "--out",
                                   str(missing))
    assert code == 1 and not exists(missing)


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def exists(path: Path) -> bool:
    return path.exists() or path.with_name(path.name + ".partial").exists()


async def test_web_downloads_and_who_may_have_them(
    served: tuple[httpx.AsyncClient, Story, Path],
) -> None:
    client, story, _ = served
    response = await client.get(f"/api/exports/{PLAN}/plan.docx?lang=en",
                                headers=bearer("cso"))
    assert response.status_code == 200
    assert f'filename="{PLAN}-en.docx"' in response.headers["content-disposition"]
    document = docx.Document(io.BytesIO(response.content))
    assert document.tables[0].rows[1].cells[1].text == "Kementerian Sosial"

    snapshot = await client.get(f"/api/exports/{PLAN}/plan.pdf?stage=draft2")
    assert snapshot.status_code == 200 and snapshot.content.startswith(b"%PDF")
    assert f"{PLAN}-draft2-id.pdf" in snapshot.headers["content-disposition"]

    # Before Draft 4 nothing was published: the public gets an empty plan, members all of it.
    public = (await client.get(f"/api/exports/{PLAN}/opendata.json?stage=draft3")).json()
    member = (await client.get(f"/api/exports/{PLAN}/opendata.json?stage=draft3",
                               headers=bearer("kldi"))).json()
    assert public["commitments"] == [] and len(member["commitments"]) == 2
    now = (await client.get(f"/api/exports/{PLAN}/opendata.json")).json()
    assert [c["id"] for c in now["commitments"]] == ["ID0121", "ID0002"]
    csv_zip = await client.get(f"/api/exports/{PLAN}/opendata.zip")
    assert "inputs.csv" in zipfile.ZipFile(io.BytesIO(csv_zip.content)).namelist()

    for url, status, fragment in [
        (f"/api/exports/{PLAN}/plan.odt", 404, "plan.docx or plan.pdf"),
        (f"/api/exports/{PLAN}/plan.pdf?lang=fr", 400, "language must be one of"),
        (f"/api/exports/{PLAN}/plan.pdf?stage=draft9", 400, "stage must be one of"),
        ("/api/exports/nope/plan.pdf", 404, "no plan 'nope'"),
        (f"/api/exports/{PLAN}/opendata.xml", 404, "opendata.json or opendata.zip"),
    ]:
        refused = await client.get(url)
        assert refused.status_code == status and fragment in refused.json()["detail"], url

    evidence = f"/api/exports/{PLAN}/evidence.zip"
    assert (await client.get(evidence)).status_code == 401
    assert (await client.get(evidence, headers=bearer("cso"))).status_code == 403
    await story.welfare.edit(TII, "final", lambda c: c.paragraph("additional", "Errata."))
    head = await story.store.head()  # an edit after the newest checkpoint
    pack = await client.get(evidence, headers=bearer("auditor"))
    assert pack.status_code == 200
    assert await story.store.head() == head  # a GET records no checkpoint
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
