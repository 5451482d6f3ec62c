"""Test helpers for the live server: a pycrdt y-websocket client and server runners."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pycrdt
import uvicorn
import websockets
from starlette.applications import Starlette

import ycodec
from kokreasi.settings import Settings
from server import protocol
from server.awareness import Entry, decode_update, encode_update

REPO = Path(__file__).resolve().parents[2]


class YClient:
    """A y-websocket client over a real socket, like the JS WebsocketProvider: it sends its
    sync step 1 on open, answers the server's step 1 with its step 2, sends each local change
    as an update, and applies what the server sends."""

    def __init__(self, url: str, doc: pycrdt.Doc[Any] | None = None,
                 client_id: int | None = None) -> None:
        self.url = url
        self.doc: pycrdt.Doc[Any] = doc or pycrdt.Doc(client_id=client_id)
        self.text = self.doc.get("text", type=pycrdt.Text)
        self.synced = asyncio.Event()
        self.saved: dict[int, int] = {}
        self.saved_event = asyncio.Event()
        self.denied: list[str] = []
        self.awareness: dict[int, Entry] = {}
        self.received: list[protocol.Message] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._applying = False
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription = self.doc.observe(self._on_change)
        self.ws: Any = None

    def _on_change(self, event: pycrdt.TransactionEvent) -> None:
        if not self._applying:
            self._outbox.put_nowait(protocol.sync_update(event.update))

    async def __aenter__(self) -> YClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        self.synced.clear()
        self.closed.clear()
        self.close_code = None
        self.ws = await websockets.connect(self.url, max_size=None, open_timeout=5)
        with contextlib.suppress(websockets.ConnectionClosed):  # e.g. refused sign-in
            await self.ws.send(protocol.sync_step1(self.doc.get_state()))
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]

    async def disconnect(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def send_raw(self, frame: bytes) -> None:
        await self.ws.send(frame)

    async def _write(self) -> None:
        while True:
            frame = await self._outbox.get()
            with contextlib.suppress(websockets.ConnectionClosed):
                await self.ws.send(frame)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = protocol.decode(frame)
                self.received.append(message)
                if isinstance(message, protocol.SyncStep1):
                    missing = self.doc.get_update(message.state_vector)
                    await self.ws.send(protocol.sync_step2(missing))
                elif isinstance(message, protocol.SyncStep2 | protocol.SyncUpdate):
                    self._apply(message.update)
                    if isinstance(message, protocol.SyncStep2):
                        self.synced.set()
                elif isinstance(message, protocol.Saved):
                    self.saved = ycodec.decode_state_vector(message.state_vector)
                    self.saved_event.set()
                elif isinstance(message, protocol.PermissionDenied):
                    self.denied.append(message.reason)
                elif isinstance(message, protocol.AwarenessMessage):
                    for entry in decode_update(message.update):
                        self.awareness[entry.client_id] = entry
        except websockets.ConnectionClosed:
            pass
        finally:
            if self.ws.close_code is not None:
                self.close_code = self.ws.close_code
                self.close_reason = self.ws.close_reason or ""
            self.closed.set()

    def _apply(self, update: bytes) -> None:
        self._applying = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying = False

    async def send_awareness(self, client_id: int, clock: int, state: str) -> None:
        await self.ws.send(protocol.awareness(encode_update([Entry(client_id, clock, state)])))

    @property
    def local_clock(self) -> int:
        state = ycodec.decode_state_vector(self.doc.get_state())
        return state.get(self.doc.client_id, 0)

    async def wait_saved(self, seconds: float = 5.0) -> None:
        """Until the server acknowledged every local change of this client as durable."""
        async def until() -> None:
            while self.saved.get(self.doc.client_id, 0) < self.local_clock:
                self.saved_event.clear()
                await self.saved_event.wait()
        await asyncio.wait_for(until(), seconds)


async def eventually(check: Callable[[], bool], seconds: float = 5.0, message: str = "") -> None:
    """Poll until ``check()`` holds; convergence is asynchronous by nature."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        if loop.time() > deadline:
            raise AssertionError(message or "condition not reached in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serving(app: Starlette, *, proxy_headers: bool = True) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free port in this process; yields ``host:port``.
    ``proxy_headers=False`` leaves X-Forwarded-For to the app, as `kokreasi serve` does."""
    # A bounded graceful shutdown, as `kokreasi serve` has: a test that leaves a stalled
    # socket behind must not hang the suite.
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                            ws_max_size=2 * 1024 * 1024, timeout_graceful_shutdown=3,
                            proxy_headers=proxy_headers)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before starting")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``kokreasi serve`` in a subprocess, as operators run it."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None,
                 redis_url: str | None = None, secret: str = "s" * 32,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.redis_url = redis_url
        self.port = free_port()
        self.env = {**os.environ, "KOKREASI_SECRET_KEY": secret, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"serve-{self.port}.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        args = [sys.executable, "-m", "kokreasi.cli", "serve", "--port", str(self.port),
                "--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        if self.redis_url:
            args += ["--redis-url", self.redis_url]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = self._spawn(args)
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"http://{self.address}/healthz")
                    if response.status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(args, cwd=REPO, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


SECRET = b"a-test-secret-of-enough-length-0123"


def make_settings(data_dir: Path, database_url: str, redis_url: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, redis_url=redis_url,
                    secret_key=SECRET, group_commit_wait_ms=1.0)


TokenFactory = Callable[..., str]


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


class PrivateRedis:
    """A Redis of this test's own, so it can be killed without disturbing anyone else."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def start(self) -> None:
        self.process = self._spawn()
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
