"""Sessions end when they should, everywhere: sign-out, a new invitation link, deactivation;
an invitation link signs in once, and only when the person opened it themselves."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import httpx
import pytest
from process_helpers import SECRET, DocClient, World, bearer, serving
from starlette.applications import Starlette

from events.record import Stakeholder
from identity.tokens import issue_token
from kokreasi.app import create_app
from kokreasi.settings import Settings

# What browsers send: opening a link from a mail application or the address bar; following a
# link or a form on another site's page; a fetch from a page of the app itself.
OPENED = {"accept": "text/html,*/*;q=0.8", "sec-fetch-site": "none"}
FROM_ANOTHER_SITE = {"accept": "text/html,*/*;q=0.8", "sec-fetch-site": "cross-site"}
JSON = {"accept": "application/json"}


def from_the_app(address: str) -> dict[str, str]:
    return {"origin": f"http://{address}", "sec-fetch-site": "same-origin"}


async def invite(world: World, name: str = "Dewi Anggraini") -> tuple[str, str]:
    """A new CSO member of the working group: (person id, invitation path)."""
    invited = await world.call("POST", "/api/people", json={
        "name": name, "org_id": world.orgs["cso_member"]}, expect=201)
    return invited.json()["person"]["id"], invited.json()["invitation_path"]


async def sign_in(address: str, path: str) -> str:
    """Open the invitation link in a fresh browser; returns the session cookie's value."""
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        opened = await browser.get(path, headers=OPENED)
        assert opened.status_code == 303 and opened.headers["location"] == "/", opened.text
        return str(browser.cookies["kokreasi_session"])


def cookie(session: str) -> dict[str, str]:
    return {"cookie": f"kokreasi_session={session}"}


Ender = Callable[[World, str, str, str], Awaitable[None]]


async def sign_out(world: World, address: str, person_id: str, session: str) -> None:
    out = await world.client.post("/api/signout", json={},
                                  headers={**cookie(session), **from_the_app(address)})
    assert out.status_code == 200, out.text


async def reissue(world: World, address: str, person_id: str, session: str) -> None:
    await world.call("POST", f"/api/people/{person_id}/invitations", expect=201)


async def deactivate(world: World, address: str, person_id: str, session: str) -> None:
    await world.call("POST", f"/api/people/{person_id}/deactivate", json={}, expect=200)


@pytest.mark.parametrize("end", [sign_out, reissue, deactivate])
async def test_ending_a_session_ends_every_session_of_the_person_at_once(
    world: World, address: str, end: Ender
) -> None:
    await world.advance()  # draft1: CSO members of the working group write
    person_id, path = await invite(world)
    session = await sign_in(address, path)  # a browser
    script = issue_token(SECRET, name="Dewi", org="x", role=Stakeholder.CSO,
                         person_id=person_id, org_id=world.orgs["cso_member"])  # and a script

    history = f"/api/documents/{world.document_id}/history"
    for credentials in (cookie(session), bearer(script)):
        assert (await world.client.get("/api/me", headers=credentials)).status_code == 200
        assert (await world.client.get(history, headers=credentials)).status_code == 200
    url = f"ws://{address}/ws/{world.document_id}?token={script}&saved=1"
    async with DocClient(url) as editor, DocClient(
        f"ws://{address}/ws/{world.document_id}?token={world.tokens['cso_member']}&saved=1"
    ) as colleague:
        await editor.until(lambda: editor.synced.is_set())
        await colleague.until(lambda: colleague.synced.is_set())
        assert await editor.type("sebelum ")

        await end(world, address, person_id, session)

        await editor.until(lambda: editor.closed)
        if end is not deactivate:  # (deactivation also closes with the policy's 4403)
            assert editor.close_code == 4401
            assert "session has ended" in editor.close_reason
        assert await colleague.type("tetap menulis ")  # nobody else is touched
    for credentials in (cookie(session), bearer(script)):
        me = await world.client.get("/api/me", headers=credentials)
        assert me.status_code == 401, me.text
        assert " / " in me.json()["message"]  # Indonesian / English
        assert (await world.client.get(history, headers=credentials)).status_code == 401
    async with DocClient(url) as again:
        await again.until(lambda: again.closed)
    assert again.close_code == 4401


async def test_a_new_sign_in_after_the_end_works(world: World, address: str) -> None:
    person_id, path = await invite(world)
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        assert (await browser.get(path, headers=OPENED)).headers["location"] == "/"
        first = browser.cookies["kokreasi_session"]
        reissued = await world.call("POST", f"/api/people/{person_id}/invitations", expect=201)
        assert (await browser.get("/api/me")).status_code == 401
        # The browser still holds the ended cookie: it neither blocks the new link...
        opened = await browser.get(reissued.json()["invitation_path"], headers=OPENED)
        assert opened.status_code == 303 and opened.headers["location"] == "/", opened.text
        second = browser.cookies["kokreasi_session"]
        me = await browser.get("/api/me")
        assert me.status_code == 200 and me.json()["person_id"] == person_id
        # ...nor signing out.
        out = await browser.post("/api/signout", json={}, headers={
            **cookie(first), **from_the_app(address)})
        assert out.status_code == 200, out.text
    assert (await world.client.get("/api/me", headers=cookie(first))).status_code == 401
    assert (await world.client.get("/api/me", headers=cookie(second))).status_code == 200


async def test_a_sign_out_is_recorded_under_the_person(world: World, app: Starlette,
                                                       address: str) -> None:
    person_id, path = await invite(world)
    await sign_out(world, address, person_id, await sign_in(address, path))
    events = await app.state.store.read_stream(f"person:{person_id}")
    assert [e.type for e in events] == [
        "person.invited", "person.invitation_accepted", "person.signed_out"]
    assert events[-1].actor.person_id == person_id


async def test_another_instance_refuses_an_ended_session_too(
    world: World, settings: Settings, address: str
) -> None:
    person_id, path = await invite(world)
    session = await sign_in(address, path)
    async with serving(create_app(settings)) as other, httpx.AsyncClient(
        base_url=f"http://{other}"
    ) as client:
        assert (await client.get("/api/me", headers=cookie(session))).status_code == 200
        await sign_out(world, address, person_id, session)  # on the first instance
        # The second instance folds the same log: it may take a moment, never forever.
        for _ in range(500):
            if (await client.get("/api/me", headers=cookie(session))).status_code == 401:
                break
        else:
            raise AssertionError("the other instance still accepts the ended session")


async def test_an_invitation_link_signs_in_once(world: World, address: str) -> None:
    _, path = await invite(world)
    await sign_in(address, path)
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        again = await browser.get(path, headers=OPENED)
        assert again.status_code == 303
        assert again.headers["location"] == "/signin?error=used_invitation"
        assert "set-cookie" not in again.headers
        api = await browser.get(path, headers=JSON)
        assert api.status_code == 400 and api.json()["error"] == "used_invitation"
        assert "sudah dipakai" in api.json()["message"]
        assert "already been used" in api.json()["message"]


async def test_another_site_cannot_sign_a_visitor_in(world: World, address: str) -> None:
    """Login CSRF: a page elsewhere links or posts to an invitation link of the attacker's."""
    _, path = await invite(world, "Penyerang")
    token = path.removeprefix("/invite/")
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        for method, headers in (("GET", FROM_ANOTHER_SITE),
                                ("POST", {"origin": "https://evil.example"}),
                                ("GET", {"accept": "text/html"})):  # says nothing: a scanner
            sent = await browser.request(method, path, headers=headers)
            assert sent.status_code == 303, (method, headers, sent.text)
            # The confirmation on our own page; the link travels in the fragment only.
            assert sent.headers["location"] == f"/signin#invitation={token}"
            assert "set-cookie" not in sent.headers
        refused = await browser.post(path, headers={"origin": "https://evil.example", **JSON})
        assert refused.status_code == 403 and refused.json()["error"] == "cross_site_signin"
        assert not browser.cookies
        # Confirmed on our page (a form posted from it): signed in, and the link is used up.
        confirmed = await browser.post(path, headers=from_the_app(address))
        assert confirmed.status_code == 303 and confirmed.headers["location"] == "/"
        assert (await browser.get("/api/me")).json()["name"] == "Penyerang"


@pytest.mark.parametrize(("trusted", "forwarded", "secure"), [
    ("", None, False),
    ("", "https", False),  # anyone may send the header: only a trusted proxy is believed
    ("127.0.0.1", "https", True),
    ("127.0.0.1", "http", False),
])
async def test_the_session_cookie_is_secure_when_the_browser_used_https(
    world: World, settings: Settings, trusted: str, forwarded: str | None, secure: bool
) -> None:
    _, path = await invite(world)
    extra = {**settings.extra, "trusted_proxies": trusted}
    app = create_app(dataclasses.replace(settings, extra=extra))
    headers = {**OPENED, **({"x-forwarded-proto": forwarded} if forwarded else {})}
    async with serving(app) as other, httpx.AsyncClient(base_url=f"http://{other}") as browser:
        opened = await browser.get(path, headers=headers)
    assert opened.status_code == 303, opened.text
    attributes = [a.strip().lower() for a in opened.headers["set-cookie"].split(";")]
    assert ("secure" in attributes) is secure


async def test_a_second_sign_in_in_one_browser_closes_the_first_persons_sockets(
    world: World, address: str
) -> None:
    """Two people, one browser: the second link replaces the cookie; the tabs the first
    person opened must not go on writing as them, nor reconnect as the second person."""
    await world.advance()  # draft1
    first_id, first_path = await invite(world, "Dewi Anggraini")
    second_id, second_path = await invite(world, "Eka Putri")
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        assert (await browser.get(first_path, headers=OPENED)).status_code == 303
        first = str(browser.cookies["kokreasi_session"])
        url = f"ws://{address}/ws/{world.document_id}?saved=1&person={first_id}"
        tab = DocClient(url, headers={**cookie(first), **from_the_app(address)})
        async with tab, DocClient(
            f"ws://{address}/ws/{world.document_id}?token={world.tokens['cso_member']}"
        ) as colleague:
            await tab.until(lambda: tab.synced.is_set())
            assert await tab.type("Dewi menulis ")
            assert (await browser.get(second_path, headers=OPENED)).status_code == 303
            second = str(browser.cookies["kokreasi_session"])
            await tab.until(lambda: tab.closed)
            assert tab.close_code == 4401
            assert "someone else has signed in in this browser" in tab.close_reason
            await colleague.until(lambda: colleague.synced.is_set())
            assert not colleague.closed  # nobody else is touched
        # The first tab reconnecting with the browser's cookie, now the second person's, is
        # refused: it was opened as the first person.
        again = DocClient(url, headers={**cookie(second), **from_the_app(address)})
        async with again:
            await again.until(lambda: again.closed)
        assert again.close_code == 4401
        # The first person's session itself stands (another device may hold it).
        assert (await world.client.get("/api/me", headers=cookie(first))).status_code == 200
        me = await world.client.get("/api/me", headers=cookie(second))
        assert me.json()["person_id"] == second_id
