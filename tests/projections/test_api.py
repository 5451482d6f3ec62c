"""The HTTP routes, as the server mounts them, with real tokens and a real log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import scenario
from starlette.applications import Starlette

from events.store import EventStore
from identity.tokens import issue_token
from kokreasi.settings import Settings
from process.registry import Registry
from process.runtime import ProcessRuntime
from projections import api
from projections.service import ProjectionService

SECRET = b"projections-test-secret-0123456789"


@pytest.fixture
async def client(
    store: EventStore, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    await scenario.build(store)
    app = Starlette(routes=api.routes())
    app.state.settings = Settings(tmp_path, database_url, None, SECRET)
    app.state.store = store
    runtime = ProcessRuntime(store)
    app.state.actor_resolver = Registry(runtime)  # as kokreasi.app hands it down
    service = await ProjectionService.start(database_url, store)
    app.state.projections = service
    await service.wait_until((await store.head()).position)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kokreasi") as http:
            yield http
    finally:
        await runtime.close()
        await service.close()


def _as(role: str) -> dict[str, str]:
    token = issue_token(SECRET, name="Rina", org="IRM", role=role)
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_only_signed_in_non_public_people_read_history(client: httpx.AsyncClient) -> None:
    url = "/api/documents/c1/history"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=_as("public"))).status_code == 403
    assert (await client.get(url, headers={"authorization": "Bearer forged"})).status_code == 401
    response = await client.get(url, headers=_as("auditor"), params={"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert len(body["events"]) == 2 and body["next_after"] == body["events"][1]["position"]
    later = await client.get(url, headers=_as("auditor"),
                             params={"after": body["next_after"], "person": "p-budi"})
    assert [e["actor"]["name"] for e in later.json()["events"]] == ["Budi", "Budi"]
    unknown = await client.get("/api/documents/nope/history", headers=_as("auditor"))
    assert unknown.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_content_at_a_position_or_a_time(client: httpx.AsyncClient) -> None:
    auditor = _as("auditor")
    first = await client.get("/api/documents/c1/at/1", headers=auditor)
    assert first.json()["content"]["sections"]["problem"]["html"] == (
        "<p>Data penerima bansos tertutup.</p>"
    )
    by_time = await client.get("/api/documents/c1/at/2026-01-01T00:00:00Z", headers=auditor)
    assert by_time.json()["position"] == 0
    assert by_time.json()["content"]["title"] == ""
    bad = await client.get("/api/documents/c1/at/yesterday", headers=auditor)
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["detail"]
    missing = await client.get("/api/documents/nope/at/3", headers=auditor)
    assert missing.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_snapshots_compare_attribution_and_contributions(
    client: httpx.AsyncClient,
) -> None:
    secretariat = _as("secretariat")
    snapshots = (await client.get("/api/documents/c1/snapshots", headers=secretariat)).json()
    assert [s["label"] for s in snapshots["snapshots"]] == ["draft2"]
    compared = await client.get("/api/documents/c1/compare", headers=secretariat,
                                params={"from": "draft2", "to": "now"})
    assert any(c["added"] == "Menurut Kemensos: " for c in compared.json()["sections"]["problem"])
    unknown = await client.get("/api/documents/c1/compare", headers=secretariat,
                               params={"from": "draft9"})
    assert unknown.status_code == 404
    blame = (await client.get("/api/documents/c1/attribution", headers=secretariat)).json()
    assert blame["sections"]["problem"][0]["author"]["org_id"] == "org-bappenas"
    assert blame["fields"]["milestones.0.activity"]["person_id"] == "p-sari"
    assert blame["fields"]["meta.number"]["person_id"] == "p-ani"
    assert blame["deletions"] == [{"deleted_by": blame["deletions"][0]["deleted_by"],
                                   "written_by": "p-ani", "chars": len("tertutup.")}]
    assert blame["deletions"][0]["deleted_by"]["person_id"] == "p-budi"
    early = await client.get("/api/documents/c1/attribution", headers=secretariat,
                             params={"at": 1})
    assert early.json()["sections"]["problem"][0]["author"]["org_id"] == "org-ti"
    ministry = await client.get("/api/contributions", headers=secretariat,
                                params={"org": "org-bappenas", "group_by": "person,stage"})
    [row] = ministry.json()["contributions"]
    assert row["person_name"] == "Budi"
    assert row["stage"] == "draft3" and row["edits"] == 2
    wrong = await client.get("/api/contributions", headers=secretariat,
                             params={"group_by": "mood"})
    assert wrong.status_code == 400
