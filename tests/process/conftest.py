"""Fixtures for the process tests: the real app, on PostgreSQL, served by a real uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from process_helpers import SECRET, World, serving
from starlette.applications import Starlette

from kokreasi.app import create_app
from kokreasi.settings import Settings
from server.limits import Limits


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=postgres_url, redis_url=None,
                    secret_key=SECRET, group_commit_wait_ms=1.0,
                    extra={"input_per_client": "1000", "input_total": "1000",
                           "export_per_client": "100000"})


@pytest.fixture
async def app(settings: Settings) -> Starlette:
    # Every refused keystroke is answered, so a test can tell refused from not yet saved.
    return create_app(settings, limits=Limits())


@pytest.fixture
async def address(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as host_port:
        yield host_port


@pytest.fixture
async def client(address: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        yield http


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await World(client).build()
