"""The production topology as local processes: `kokreasi serve` instances on one PostgreSQL
and one Redis, plus private Redis and PostgreSQL servers that a scenario may stop and restart
without disturbing anyone else using the machine's shared ones.

Every process started here is stopped by its owner's ``close``/``stop`` (callers use
try/finally); every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

REPO = Path(__file__).resolve().parents[2]
# The tree whose `kokreasi serve` the instances run: another checkout measures the code
# before a change with the same scripts.
SERVER_TREE = Path(os.environ.get("KOKREASI_FAULTS_SERVER_TREE") or REPO)
SHARED_POSTGRES = os.environ.get("KOKREASI_TEST_DATABASE_URL",
                                 "postgresql://postgres@127.0.0.1:5432/test")
SHARED_REDIS = os.environ.get("KOKREASI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "production-proof-secret-0123456789abcdef"
_KOKREASI_ENV = ("KOKREASI_DATABASE_URL", "KOKREASI_REDIS_URL", "KOKREASI_DATA_DIR",
                 "KOKREASI_PORT", "KOKREASI_HOST", "KOKREASI_SECRET_KEY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def _wait_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return True
        await asyncio.sleep(0.05)
    return False


@contextlib.asynccontextmanager
async def fresh_database(admin_url: str = SHARED_POSTGRES) -> AsyncIterator[str]:
    """A new, empty database on the server of ``admin_url``, dropped afterwards."""
    name = f"kokreasi_p_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield with_database(admin_url, name)
    finally:
        admin = await asyncpg.connect(admin_url, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class PrivateRedis:
    """``redis-server`` on a port of its own, without persistence, as a child process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def start(self) -> None:
        self.process = self._spawn()
        if not await _wait_port(self.port, 10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait(timeout=10)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (``initdb`` in a temporary folder) that can be stopped
    and started again. As root it runs as the ``postgres`` user, since PostgreSQL refuses
    root."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = Path(tempfile.mkdtemp(prefix="kokreasi-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.bin = _postgres_bin()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.initialised = False

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    async def start(self) -> None:
        if not self.initialised:
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
            self.initialised = True
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
                   "-c max_connections=200 -c fsync=off")
        await asyncio.to_thread(
            self._run, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start")

    async def stop(self) -> None:
        """A fast shutdown: open sessions are cut, as when the database host goes away."""
        await asyncio.to_thread(self._run, str(self.bin / "pg_ctl"), "-D", str(self.data),
                                "-m", "fast", "-w", "-t", "60", "stop")

    async def close(self) -> None:
        if self.initialised and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                await asyncio.to_thread(self._run, str(self.bin / "pg_ctl"), "-D",
                                        str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found: install PostgreSQL's server binaries")
    return Path(initdb).parent


class Instance:
    """One ``kokreasi serve`` process, as operators run it (with the open access policy:
    the documents here belong to no plan)."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str, *,
                 name: str = "kokreasi") -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.redis_url = redis_url
        self.name = name
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"{name}.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ws_url(self, document_id: str, token: str, *, saved: bool = True) -> str:
        return (f"ws://{self.address}/ws/{document_id}?token={token}"
                + ("&saved=1" if saved else ""))

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if k not in _KOKREASI_ENV}
        env.update(KOKREASI_SECRET_KEY=SECRET, KOKREASI_ACCESS_POLICY="open")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "kokreasi.cli", "serve", "--port", str(self.port),
                 "--data-dir", str(self.data_dir), "--database-url", self.database_url,
                 "--redis-url", self.redis_url],
                cwd=SERVER_TREE, env=env, stdout=log, stderr=subprocess.STDOUT)

    async def start(self) -> None:
        self.process = self._spawn()
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"http://{self.address}/healthz", timeout=2)
                    if response.status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become healthy: {self.tail()}")

    def tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def kill(self) -> None:
        """``kill -9``: no shutdown, no checkpoint, in-flight appends cut."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    async def metrics(self) -> dict[str, float]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{self.address}/metrics", timeout=5)
        values: dict[str, float] = {}
        for line in response.text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    values[name] = float(value)
        return values

    async def healthy(self) -> bool:
        try:
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://{self.address}/healthz", timeout=3)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


class Cluster:
    """Two (or more) instances sharing one database and one Redis."""

    def __init__(self, work: Path, database_url: str, redis_url: str, size: int = 2) -> None:
        self.instances = [
            Instance(work / f"instance{n}", database_url, redis_url, name=f"instance{n}")
            for n in range(size)
        ]
        self.database_url = database_url

    async def start(self) -> None:
        # One after the other: the first applies the schema migrations.
        for instance in self.instances:
            await instance.start()

    def stop(self) -> None:
        for instance in self.instances:
            instance.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {i.name}\n{i.tail()}" for i in self.instances)
