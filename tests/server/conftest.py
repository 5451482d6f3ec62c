"""Fixtures for the live server: a real uvicorn serving the real app on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from live_helpers import SECRET, LiveServer, TokenFactory, make_settings, serving

from events.record import Stakeholder
from identity.access import AccessPolicy, OpenPolicy
from identity.tokens import issue_token
from kokreasi.app import create_app


@pytest.fixture
def token() -> TokenFactory:
    def make(name: str = "Ayu Lestari", org: str = "Transparency International Indonesia",
             role: str = "cso", ttl: int = 3600) -> str:
        return issue_token(SECRET, name=name, org=org, role=Stakeholder(role), ttl_seconds=ttl)
    return make


@pytest.fixture
def policy() -> AccessPolicy:
    return OpenPolicy()


@pytest.fixture
async def live(tmp_path: Path, sqlite_url: str, policy: AccessPolicy) -> AsyncIterator[LiveServer]:
    app = create_app(make_settings(tmp_path, sqlite_url), policy=policy)
    async with serving(app) as address:
        yield LiveServer(address, app)
