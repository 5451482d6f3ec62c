"""Fixtures for the live server: a real uvicorn serving the real app on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from live_helpers import serving

from events.record import Stakeholder
from server.access import AccessPolicy, OpenPolicy
from server.app import create_app
from server.settings import Settings
from server.tokens import issue_token

SECRET = b"a-test-secret-of-enough-length-0123"


def make_settings(data_dir: Path, database_url: str, redis_url: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, redis_url=redis_url,
                    secret_key=SECRET, group_commit_wait_ms=1.0)


TokenFactory = Callable[..., str]


@pytest.fixture
def token() -> TokenFactory:
    def make(name: str = "Ayu Lestari", org: str = "Transparency International Indonesia",
             role: str = "cso", ttl: int = 3600) -> str:
        return issue_token(SECRET, name=name, org=org, role=Stakeholder(role), ttl_seconds=ttl)
    return make


class LiveServer:
    def __init__(self, address: str, app: object) -> None:
        self.address = address
        self.app = app

    def url(self, document_id: str, token: str, *, saved: bool = False) -> str:
        suffix = "&saved=1" if saved else ""
        return f"ws://{self.address}/ws/{document_id}?token={token}{suffix}"

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state  # type: ignore[attr-defined]


@pytest.fixture
def policy() -> AccessPolicy:
    return OpenPolicy()


@pytest.fixture
async def live(tmp_path: Path, sqlite_url: str, policy: AccessPolicy) -> AsyncIterator[LiveServer]:
    app = create_app(make_settings(tmp_path, sqlite_url), policy=policy)
    async with serving(app) as address:
        yield LiveServer(address, app)
