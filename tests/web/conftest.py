"""A real ``kokreasi serve`` and Debian's chromium, driven through Playwright.

Each test gets its own server (free port, temporary data directory, embedded SQLite) so tests
never see each other's documents. The Secretariat's first token is minted by ``kokreasi token``;
everyone else signs in through the invitation link the process API gives them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

if TYPE_CHECKING:
    from .plan import Seeded

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KOKREASI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET = "web-tests-secret-key-0123456789abcdef"
STARTUP_SECONDS = 20.0

# The machine running the tests is often busy with other suites: give pages time before an
# expectation fails, rather than fail on a slow moment (a passing one returns at once).
expect.set_options(timeout=10_000)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KOKREASI_SECRET_KEY=SECRET,
        KOKREASI_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    for name in ("KOKREASI_DATABASE_URL", "KOKREASI_REDIS_URL"):
        env.pop(name, None)
    return env


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def kokreasi(self, *args: str) -> str:
        """Run a ``kokreasi`` command against this server's data; returns its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "kokreasi.cli", *args],
            cwd=REPO,
            env=_env(self.data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kokreasi {' '.join(args)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def token(self, name: str, org: str, role: str) -> str:
        out = self.kokreasi("token", "--name", name, "--org", org, "--role", role)
        return out.strip().splitlines()[-1].strip()


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client() as client:
        while True:
            if server.process.poll() is not None:
                output = server.process.stdout.read().decode() if server.process.stdout else ""
                raise RuntimeError(f"kokreasi serve exited early:\n{output}")
            try:
                response = client.get(server.url + "/healthz", timeout=1.0)
                if response.status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("kokreasi serve did not answer in time")
            time.sleep(0.1)


@contextlib.contextmanager
def running_server(data_dir: Path) -> Iterator[Server]:
    """``kokreasi serve`` on a free port with its data in ``data_dir``, stopped on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kokreasi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    running = Server(url=f"http://127.0.0.1:{port}", data_dir=data_dir, process=process)
    try:
        _wait_until_serving(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path / "data") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            await instance.close()


async def screenshot(page: Page, artifacts_dir: Path, name: str) -> Path:
    path = artifacts_dir / "web" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
async def plan(server: Server) -> Seeded:
    """A plan in Draft 1 with one commitment, set up through the process API."""
    from .plan import seed_plan

    return await seed_plan(server, "draft1")
