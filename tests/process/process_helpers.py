"""Helpers for the process tests: a world of people and a small y-websocket client."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pycrdt
import uvicorn
import websockets
from starlette.applications import Starlette

import ycodec
from events.record import Stakeholder
from identity.tokens import issue_token
from server import protocol
from server.awareness import Entry, decode_update, encode_update
from server.close_codes import CloseCode

SECRET = b"process-test-secret-0123456789abcdef"
ADMIN_TOKEN = issue_token(SECRET, name="Admin Sekretariat", org="Sekretariat OGI",
                          role=Stakeholder.SECRETARIAT, person_id="admin",
                          org_id="sekretariat-ogi")

ROLES = ("secretariat", "cso_member", "cso_other", "kldi_member", "kldi_other", "public",
         "auditor", "anonymous")


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """The app under a real uvicorn on a free port of this process; yields host:port."""
    # proxy_headers off: uvicorn would otherwise trust X-Forwarded-For from loopback peers
    # itself, hiding the direct peer that KOKREASI_TRUSTED_PROXIES is about (as a proxy on
    # another host, like deploy/'s nginx, does in production).
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="on", proxy_headers=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before starting")
            await asyncio.sleep(0.01)
        yield f"127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


def bearer(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


@dataclass
class World:
    """A plan in Setup with one organisation per stakeholder type (two CSOs, two K/L/D/I:
    one member of the working group, one not), a person in each, and two commitments (the
    first published, the second not)."""

    client: httpx.AsyncClient
    plan_id: str = ""
    group_id: str = ""
    commitment_id: str = ""
    document_id: str = ""
    unpublished_id: str = ""
    unpublished_document_id: str = ""
    tokens: dict[str, str | None] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)

    async def call(self, method: str, path: str, role: str = "secretariat",
                   json: Any = None, expect: int | None = None) -> httpx.Response:
        response = await self.client.request(method, path, json=json,
                                             headers=bearer(self.tokens.get(role)))
        if expect is not None:
            assert response.status_code == expect, (method, path, role, response.text)
        return response

    async def build(self) -> World:
        self.tokens["secretariat"] = ADMIN_TOKEN
        self.tokens["anonymous"] = None
        plan = await self.call("POST", "/api/plans", json={
            "title": "RAN OGI VII 2023-2024", "period": "2023-2024"}, expect=201)
        self.plan_id = plan.json()["id"]
        kinds = {"secretariat": "secretariat", "cso_member": "cso", "cso_other": "cso",
                 "kldi_member": "kldi", "kldi_other": "kldi", "public": "public",
                 "auditor": "auditor"}
        for role, kind in kinds.items():
            org = await self.call("POST", "/api/organisations", json={
                "name": f"Organisation {role}", "stakeholder": kind}, expect=201)
            self.orgs[role] = org.json()["id"]
            person = await self.call("POST", "/api/people", json={
                "name": f"Person {role}", "org_id": self.orgs[role],
                "contact": f"{role}@example.org"}, expect=201)
            self.people[role] = person_id = person.json()["person"]["id"]
            if role != "secretariat":
                # The names in the token are deliberately stale: the log decides who they
                # are (an organisation or role the log contradicts is refused).
                self.tokens[role] = issue_token(SECRET, name="stale", org="stale",
                                                role=Stakeholder(kind), person_id=person_id,
                                                org_id=self.orgs[role])
        group = await self.call("POST", "/api/working-groups", json={
            "plan_id": self.plan_id, "theme": "Data terbuka"}, expect=201)
        self.group_id = group.json()["id"]
        for role in ("cso_member", "kldi_member"):
            await self.call("POST", f"/api/working-groups/{self.group_id}/members", json={
                "org_id": self.orgs[role], "criteria": {"focus": "open data"}}, expect=201)
        first = await self.call("POST", "/api/commitments", json={
            "plan_id": self.plan_id, "working_group_id": self.group_id,
            "title": "Data kesejahteraan sosial yang transparan"}, expect=201)
        self.commitment_id = first.json()["id"]
        self.document_id = first.json()["document_id"]
        second = await self.call("POST", "/api/commitments", json={
            "plan_id": self.plan_id, "working_group_id": self.group_id,
            "title": "Pemilik manfaat"}, expect=201)
        self.unpublished_id = second.json()["id"]
        self.unpublished_document_id = second.json()["document_id"]
        await self.call("POST", f"/api/plans/{self.plan_id}/publish",
                        json={"commitment_ids": [self.commitment_id]}, expect=200)
        return self

    async def stage(self) -> str:
        plan = await self.call("GET", f"/api/plans/{self.plan_id}", expect=200)
        return str(plan.json()["stage"])

    async def advance(self) -> httpx.Response:
        return await self.call("POST", f"/api/plans/{self.plan_id}/advance", json={
            "from_stage": await self.stage(), "acknowledge_warnings": True}, expect=200)


class DocClient:
    """A y-websocket client editing the ``title`` of a commitment document, like the web app:
    it sends its sync step 1 on open, answers the server's, and sends each change."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc()
        self.title = self.doc.get("title", type=pycrdt.Text)
        self.synced = asyncio.Event()
        self.denied: list[str] = []
        self.saved: dict[int, int] = {}
        self.presence: dict[int, Any] = {}  # client id -> awareness state, as relayed
        self.changed = asyncio.Event()  # set on every message received
        self.close_code: int | None = None
        self.close_reason = ""
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DocClient:
        self._ws = await websockets.connect(self.url, open_timeout=5,
                                            additional_headers=self.headers)
        with contextlib.suppress(websockets.ConnectionClosed):  # refused right after opening
            await self._ws.send(protocol.sync_step1(self.doc.get_state()))
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                message = protocol.decode(frame)
                if isinstance(message, protocol.SyncStep1):
                    await self._ws.send(protocol.sync_step2(
                        self.doc.get_update(message.state_vector)))
                elif isinstance(message, protocol.SyncStep2 | protocol.SyncUpdate):
                    self.doc.apply_update(message.update)
                    if isinstance(message, protocol.SyncStep2):
                        self.synced.set()
                elif isinstance(message, protocol.PermissionDenied):
                    self.denied.append(message.reason)
                elif isinstance(message, protocol.Saved):
                    self.saved = ycodec.decode_state_vector(message.state_vector)
                elif isinstance(message, protocol.AwarenessMessage):
                    for entry in decode_update(message.update):
                        self.presence[entry.client_id] = json.loads(entry.state)
                self.changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code
            self.close_reason = self._ws.close_reason or ""
            self.changed.set()

    @property
    def closed(self) -> bool:
        return self._reader is not None and self._reader.done()

    async def send_edit(self, text: str) -> None:
        """Type ``text`` and send it without waiting for the server's answer."""
        before = self.doc.get_state()
        self.title.insert(len(self.title), text)
        await self._ws.send(protocol.sync_update(self.doc.get_update(before)))

    async def announce(self, state: dict[str, Any]) -> None:
        """Send this client's presence (awareness) state."""
        entry = Entry(self.doc.client_id, 1, json.dumps(state))
        await self._ws.send(protocol.awareness(encode_update([entry])))

    async def until(self, condition: Any, within_s: float = 5.0) -> None:
        async with asyncio.timeout(within_s):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    async def type(self, text: str) -> bool:
        """Type ``text`` at the end of the title; True if the server saved it, False if it
        refused it (a permission-denied message, then close 4422), after which the client
        has done what the web app does: loaded the document afresh over a new connection."""
        denied_before = len(self.denied)
        state_before = self.doc.get_state()
        self.title.insert(len(self.title), text)
        await self._ws.send(protocol.sync_update(self.doc.get_update(state_before)))
        clock = ycodec.decode_state_vector(self.doc.get_state())[self.doc.client_id]
        await self.until(lambda: len(self.denied) > denied_before
                         or self.saved.get(self.doc.client_id, 0) >= clock)
        if len(self.denied) == denied_before:
            return True
        await self.until(lambda: self.closed)
        assert self.close_code == CloseCode.REFUSED, (self.close_code, self.close_reason)
        await self.reload()
        return False

    async def reload(self) -> None:
        """A fresh copy of the document from the server, over a new connection."""
        self.doc = pycrdt.Doc()
        self.title = self.doc.get("title", type=pycrdt.Text)
        self.synced.clear()
        self.saved = {}
        await self.__aenter__()
        await self.until(lambda: self.synced.is_set())
