"""The demo: seeded once into the log, readable through the API, served by ``kokreasi demo``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
from process_helpers import serving

import events
from kokreasi.app import create_app
from kokreasi.settings import Settings
from process.demo import seed_demo
from process.invitations import read_invitation

REPO = Path(__file__).resolve().parents[2]
OPENED = {"sec-fetch-site": "none"}  # a browser opening a link pasted from the terminal


def invited(settings: Settings, path: str) -> tuple[str, str]:
    invitation = read_invitation(settings.secret_key, path.removeprefix("/invite/"))
    return invitation.person_id, invitation.invitation_id


async def test_seed_is_idempotent_and_serves_a_plan_in_draft1(settings: Settings) -> None:
    store = await events.open_store(settings.database_url)
    try:
        links = await seed_demo(store, settings.secret_key)
        head = await store.head()
        again = await seed_demo(store, settings.secret_key)
        # The same invitations (a link carries its signing time, so its bytes may differ).
        assert {role: invited(settings, path) for role, path in again.items()} == {
            role: invited(settings, path) for role, path in links.items()}
        assert await store.head() == head  # the second run appended nothing
        updates = [e for e in await store.read_all() if e.type == "crdt.update"]
        seeds = [e for e in updates if e.stream_version == 1]
        assert len(seeds) == 4  # one per commitment: the title, seeded when it was created
        assert {e.actor.name for e in seeds} == {"Sari Wulandari"}  # the Secretariat
        authors = {e.actor.name for e in updates if e.stream_version > 1}
        assert authors == {"Ayu Lestari", "Rahmat Hidayat", "Nadia Putri"}
    finally:
        await store.close()
    assert {"secretariat", "cso", "kldi", "public", "auditor"} <= set(links)
    app = create_app(settings)
    async with serving(app) as address, httpx.AsyncClient(base_url=f"http://{address}") as web:
        opened = await web.get(links["cso"], headers=OPENED)
        assert opened.status_code == 303 and opened.headers["location"] == "/"
        me = (await web.get("/api/me")).json()
        assert (me["name"], me["org_name"]) == ("Ayu Lestari",
                                                "Transparency International Indonesia")
        (plan,) = (await web.get("/api/plans")).json()["plans"]
        assert (plan["title"], plan["stage"]) == ("RAN OGI VII 2023-2024", "draft1")
        assert [c["number"] for c in plan["commitments"]] == ["1", "2", "3", "4"]
        assert [c["can_write"] for c in plan["commitments"]] == [True, True, False, False]
        document = (await web.get(f"/api/commitments/{plan['commitments'][0]['id']}/document"))
        assert document.json()["title"] == "Data kesejahteraan sosial yang lebih transparan"
        assert document.json()["meta"]["number"] == "1"
        assert document.json()["meta"]["lead_agency"] == "Kementerian Sosial"
        assert document.json()["meta"]["ogp_values"] == ["transparency", "accountability"]
        assert len(document.json()["milestones"]) == 3
        reports = [(await web.get(f"/api/commitments/{c['id']}/validation")).json()["ok"]
                   for c in plan["commitments"]]
        assert reports == [True, False, False, False]  # the others show the checklist at work
        # The example gates: lead agencies before leaving Draft 3, the forum before Final.
        forum = (await web.get(f"/api/plans/{plan['id']}/forum")).json()
        assert forum["gates"]["gates"] == {"draft3": ["lead_agency"], "draft4": ["forum"]}
        assert forum["gates"]["lead_organisations"]["c1"] == ["kemensos"]
        assert {m["stakeholder"] for m in forum["members"]} == {"cso", "kldi"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_demo_command_seeds_serves_and_prints_links(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KOKREASI_SECRET_KEY": "demo-test-secret-0123456789"}
    env.pop("KOKREASI_DATABASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kokreasi.cli", "demo", "--port", str(port), "--data-dir",
        str(tmp_path / "data"), cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(30):
            while len([line for line in lines if "/invite/" in line]) < 8:
                line = (await process.stdout.readline()).decode()
                assert line, "".join(lines)
                lines.append(line)
        secretariat = next(line for line in lines if line.strip().startswith("secretariat"))
        link = secretariat.split()[-1]
        async with httpx.AsyncClient() as web:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await web.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            opened = await web.get(link, headers=OPENED)
            assert opened.status_code == 303 and opened.headers["location"] == "/"
            me = await web.get(f"http://127.0.0.1:{port}/api/me")
            assert me.json()["stakeholder"] == "secretariat"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(15):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_a_demo_run_after_a_link_was_used_prints_a_new_one(settings: Settings) -> None:
    store = await events.open_store(settings.database_url)
    try:
        links = await seed_demo(store, settings.secret_key)
        async with serving(create_app(settings)) as address, httpx.AsyncClient(
            base_url=f"http://{address}"
        ) as web:
            assert (await web.get(links["cso"], headers=OPENED)).headers["location"] == "/"
            again = await seed_demo(store, settings.secret_key)
            assert again["cso"] != links["cso"]
            used = await web.get(links["cso"], headers=OPENED)
            assert used.headers["location"] != "/"
            fresh = await web.get(again["cso"], headers=OPENED)
            assert fresh.headers["location"] == "/"
    finally:
        await store.close()
