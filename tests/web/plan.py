"""A plan set up through the real process API, as the Secretariat would: organisations,
people with invitation links, a working group with its members, one commitment."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from .conftest import Server

PLAN = "ran-ogi-vii"
COMMITMENT = "id0121"
PEOPLE = {
    # key: (person name, organisation id, organisation name, stakeholder)
    "cso": ("Ani Wulandari", "tii", "Transparency International Indonesia", "cso"),
    "cso2": ("Dewi Kartika", "infid", "INFID", "cso"),
    "secretariat": ("Budi Santoso", "sekretariat-ogi", "Sekretariat OGI", "secretariat"),
    "kldi": ("Citra Lestari", "bappenas", "Kementerian PPN/Bappenas", "kldi"),
    "auditor": ("Eko Prasetyo", "irm", "IRM Indonesia", "auditor"),
}
STAGES = ("setup", "draft1", "draft2", "draft3", "draft4", "final")


@dataclass
class Seeded:
    server: Server
    admin_token: str
    plan_id: str = PLAN
    commitment_id: str = COMMITMENT
    document_id: str = ""
    invitations: dict[str, str] = field(default_factory=dict)  # person key -> invitation URL
    stage: str = "setup"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.server.url, headers={"Authorization": f"Bearer {self.admin_token}"}
        )

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.client() as client:
            response = await client.request(method, path, json=body)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    async def history_settled(self) -> list[dict[str, Any]]:
        """The document's history once the projections have caught up with the log."""
        timeout = 10.0
        deadline = asyncio.get_running_loop().time() + timeout
        version = None
        while True:
            events = (await self.call("GET", f"/api/documents/{self.document_id}/history"
                                      "?limit=500"))["events"]
            latest = events[-1]["stream_version"] if events else 0
            if events and latest == version:
                return list(events)
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"the projections show {len(events)} events of document "
                    f"{self.document_id} after {timeout} s: is the runner following the log?"
                )
            version = latest
            await asyncio.sleep(0.5)

    async def advance_to(self, stage: str) -> None:
        while STAGES.index(self.stage) < STAGES.index(stage):
            await self.call("POST", f"/api/plans/{self.plan_id}/advance",
                            {"from_stage": self.stage, "acknowledge_warnings": True})
            self.stage = STAGES[STAGES.index(self.stage) + 1]


async def seed_plan(server: Server, stage: str = "draft1") -> Seeded:
    seeded = Seeded(server, server.token("Sekretariat Admin", "Sekretariat OGI", "secretariat"))
    call = seeded.call
    await call("POST", "/api/plans", {"id": PLAN, "title": "RAN OGI VII 2023-2024",
                                      "period": "2023-2024"})
    orgs: dict[str, tuple[str, str]] = {}
    for _, org_id, org_name, stakeholder in PEOPLE.values():
        orgs[org_id] = (org_name, stakeholder)
    for org_id, (org_name, stakeholder) in orgs.items():
        await call("POST", "/api/organisations",
                   {"id": org_id, "name": org_name, "stakeholder": stakeholder})
    for key, (name, org_id, _, _) in PEOPLE.items():
        invited = await call("POST", "/api/people", {"id": key, "name": name, "org_id": org_id})
        seeded.invitations[key] = invited["invitation_url"]
    await call("POST", "/api/working-groups",
               {"id": "data-terbuka", "plan_id": PLAN, "theme": "Data terbuka"})
    for org_id, (_, stakeholder) in orgs.items():
        if stakeholder in ("cso", "kldi"):
            await call("POST", "/api/working-groups/data-terbuka/members",
                       {"org_id": org_id, "criteria": {"focus": "works on open data"}})
    commitment = await call("POST", "/api/commitments", {
        "id": COMMITMENT, "plan_id": PLAN, "working_group_id": "data-terbuka", "number": "1",
        "title": "Membuka data kesejahteraan sosial",
    })
    seeded.document_id = commitment["document_id"]
    await seeded.advance_to(stage)
    return seeded
