"""One identity, from the registry: the person a token names is who the log knows, for the
permission, for the author of every event and in presence; the registry's word is asked again
on every route, so a deactivated person is refused at once everywhere."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import httpx
from process_helpers import SECRET, DocClient, World, bearer
from starlette.applications import Starlette
from starlette.routing import Route

from events.record import Actor, Stakeholder
from identity.tokens import issue_token, read_token
from kokreasi.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def ws(address: str, document_id: str, token: str) -> str:
    return f"ws://{address}/ws/{document_id}?token={token}&saved=1"


async def register_ayu(world: World) -> Actor:
    """A CSO member of the working group whose id is the slug of her first name, as a token
    for the bare name "Ayu" would have been given."""
    org = world.orgs["cso_member"]
    await world.call("POST", "/api/people", json={"name": "Ayu", "org_id": org, "id": "ayu"},
                     expect=201)
    return Actor("ayu", "Ayu", org, "Organisation cso_member", Stakeholder.CSO)


async def test_a_token_for_a_bare_name_never_speaks_for_a_registered_person(
    world: World, address: str, app: Starlette
) -> None:
    await register_ayu(world)
    await world.advance()  # draft1: Ayu's organisation writes
    stranger = issue_token(SECRET, name="Ayu", org="IRM", role=Stakeholder.AUDITOR)
    assert read_token(SECRET, stranger).person_id == "ext:ayu"
    me = await world.client.get("/api/me", headers=bearer(stranger))
    assert me.json()["person_id"] == "ext:ayu" and me.json()["known"] is False
    async with DocClient(ws(address, world.document_id, stranger)) as client:
        await client.until(lambda: client.synced.is_set())
        assert not await client.type("sebagai Ayu")  # an auditor reads; no writing as Ayu
    events = await app.state.store.read_stream(f"doc:{world.document_id}")
    assert all(e.actor.person_id != "ext:ayu" for e in events)


async def test_claims_the_registry_contradicts_are_refused_with_the_reason(
    world: World, address: str
) -> None:
    ayu = await register_ayu(world)
    await world.advance()
    forged = issue_token(SECRET, name="Ayu", org="IRM", role=Stakeholder.AUDITOR,
                         person_id="ayu")  # minted before --name tokens got ext: ids
    me = await world.client.get("/api/me", headers=bearer(forged))
    assert me.status_code == 401 and me.json()["error"] == "claims_disagree"
    assert "Organisasi/peran" in me.json()["message"]
    assert "organisation or role" in me.json()["message"]
    history = await world.client.get(f"/api/documents/{world.document_id}/history",
                                     headers=bearer(forged))
    assert history.status_code == 401
    async with DocClient(ws(address, world.document_id, forged)) as client:
        await client.until(lambda: client.closed)
    assert client.close_code == 4403 and "organisation or role" in client.close_reason
    genuine = issue_token(SECRET, name="old name", org="old org", role=Stakeholder.CSO,
                          person_id="ayu", org_id=ayu.org_id)
    me = await world.client.get("/api/me", headers=bearer(genuine))
    assert me.status_code == 200 and me.json()["name"] == "Ayu"


async def test_edits_and_presence_carry_the_registry_identity(
    world: World, address: str, app: Starlette
) -> None:
    await world.advance()  # draft1
    registered = Actor(world.people["cso_member"], "Person cso_member",
                       world.orgs["cso_member"], "Organisation cso_member", Stakeholder.CSO)
    writer = DocClient(ws(address, world.document_id, world.tokens["cso_member"] or ""))
    reader = DocClient(ws(address, world.document_id, world.tokens["auditor"] or ""))
    async with writer, reader:
        await writer.until(lambda: writer.synced.is_set())
        await reader.until(lambda: reader.synced.is_set())
        assert await writer.type("oleh anggota terdaftar")
        await writer.announce({"user": {"name": "Somebody Else"}, "cursor": None})
        await reader.until(lambda: writer.doc.client_id in reader.presence)
    user = reader.presence[writer.doc.client_id]["user"]
    assert (user["id"], user["name"], user["organisation"], user["stakeholder"]) == (
        registered.person_id, registered.name, registered.org_name, "cso")
    events = await app.state.store.read_stream(f"doc:{world.document_id}")
    assert events[-1].actor == registered  # the token said "stale"; the log says who


async def test_public_input_of_a_signed_in_person_carries_their_registered_identity(
    world: World,
) -> None:
    for _ in range(4):
        await world.advance()  # draft4: the consultation
    path = f"/api/commitments/{world.commitment_id}/inputs"
    signed_in = await world.call("POST", path, "cso_other", json={
        "text": "Tambahkan tenggat", "name": "Menteri Palsu", "organisation": "Kementerian X",
        "publish_name": True},
        expect=201)
    assert (signed_in.json()["name"], signed_in.json()["organisation"]) == (
        "Person cso_other", "Organisation cso_other")
    anonymous = await world.call("POST", path, "anonymous", json={
        "text": "Setuju", "name": "Warga Bandung", "organisation": "Komunitas",
        "publish_name": True}, expect=201)
    assert (anonymous.json()["name"], anonymous.json()["organisation"]) == (
        "Warga Bandung", "Komunitas")
    nameless = await world.call("POST", path, "anonymous", json={"text": "Setuju"},
                                expect=201)
    assert nameless.json()["name"] == ""  # no name without the person's consent


def _example(path: str, world: World) -> str:
    values = {"plan": world.plan_id, "plan_id": world.plan_id, "format": "json",
              "document_id": world.document_id, "at": "1", "commitment_id": world.commitment_id,
              "person_id": world.people["cso_member"], "group_id": world.group_id,
              "version": "2", "input_id": "x", "session_id": "x", "sha256": "0" * 64,
              "comment_id": "x", "reply_id": "x", "suggestion_id": "x"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


async def test_every_route_refuses_a_deactivated_person_at_once(
    world: World, app: Starlette
) -> None:
    await world.advance()
    auditor = world.tokens["auditor"]
    history = f"/api/documents/{world.document_id}/history"
    assert (await world.call("GET", history, "auditor")).status_code == 200
    await world.call("POST", f"/api/people/{world.people['auditor']}/deactivate",
                     json={"reason": "contract ended"}, expect=200)
    routes = [(method, _example(route.path, world)) for route in app.router.routes
              if isinstance(route, Route) and route.path.startswith("/api/")
              for method in sorted(route.methods or ()) if method != "HEAD"]
    assert len(routes) > 40 and ("GET", history) in routes
    answers = {}
    for method, path in routes:
        response = await world.client.request(method, path, headers=bearer(auditor),
                                              json={} if method == "POST" else None)
        answers[method, path] = response.status_code
    # Signing out always works: an ended or refused session counts as none there.
    answers.pop(("POST", "/api/signout"))
    assert {k: v for k, v in answers.items() if v not in (401, 403)} == {}


async def test_token_command_reads_a_registered_person_from_the_registry(
    world: World, settings: Settings
) -> None:
    base = [sys.executable, "-m", "kokreasi.cli", "token", "--database-url",
            settings.database_url or "", "--data-dir", str(settings.data_dir)]
    env = {"PATH": "/usr/bin:/bin", "KOKREASI_SECRET_KEY": SECRET.decode()}
    person = world.people["kldi_member"]
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True, env=env, cwd=REPO)

    made = await asyncio.to_thread(run, "--person", person)
    actor = read_token(SECRET, made.stdout.strip()).actor
    assert actor == Actor(person, "Person kldi_member", world.orgs["kldi_member"],
                          "Organisation kldi_member", Stakeholder.KLDI)
    unknown = await asyncio.to_thread(run, "--person", "nobody")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip() == "kokreasi: no registered person has the id 'nobody'"
    both = await asyncio.to_thread(run, "--person", person, "--role", "auditor")
    assert both.returncode == 2 and "--person takes" in both.stderr
    async with httpx.AsyncClient(base_url=str(world.client.base_url)) as http:
        me = await http.get("/api/me", headers=bearer(made.stdout.strip()))
    assert me.json()["known"] is True
