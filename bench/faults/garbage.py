"""Hostile input: malformed frames from a signed-in attacker, and requests with bad tokens or
roles. Each frame is followed by a query-awareness probe, so the attacker learns whether the
server kept the connection (it answers the probe) or closed it (and with which code): every
frame counted was really read by the server."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pycrdt
import websockets

import ycodec
from events.record import Stakeholder
from identity.signing import SESSION_TOKEN, serializer
from identity.tokens import issue_token
from server import protocol

Frame = bytes | str
Forge = Callable[[], bytes]


def _update_of(client_id: int, text: str) -> bytes:
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=client_id)
    doc.get("text", type=pycrdt.Text).insert(0, text)
    return doc.get_update()


def malformed_frames(count: int, seed: int = 8) -> list[tuple[str, Callable[[Forge], Frame]]]:
    """``count`` frames of a dozen kinds, each wrong in its own way, made when sent (plus
    forgeries: a well-formed update continuing another person's Yjs client id, made from the
    attacker's synced copy of the document)."""
    rng = random.Random(seed)

    def junk(low: int = 1, high: int = 64) -> bytes:
        return rng.randbytes(rng.randint(low, high))

    second_of_two: list[bytes] = []
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=rng.randrange(1, 2**31))
    text = doc.get("text", type=pycrdt.Text)
    text += "[first]"
    state = doc.get_state()
    text += "[second]"
    second_of_two.append(doc.get_update(state))
    kinds: list[tuple[str, Callable[[Forge], Frame]]] = [
        ("random bytes", lambda _: junk()),
        ("empty frame", lambda _: b""),
        ("unknown message type", lambda _: bytes([rng.randint(4, 99)]) + junk(0, 16)),
        ("unknown sync type", lambda _: bytes([0, rng.randint(3, 120)]) + junk(0, 16)),
        ("truncated length", lambda _: bytes([0, rng.randint(0, 2), 0xFF, 0x7F]) + junk(0, 8)),
        ("garbage update", lambda _: protocol.sync_update(junk(2, 200))),
        ("garbage step 2", lambda _: protocol.sync_step2(junk(2, 200))),
        ("garbage state vector", lambda _: protocol.sync_step1(b"\xff\xff\xff" + junk(0, 8))),
        ("trailing bytes", lambda _: protocol.sync_update(_update_of(rng.randrange(1, 2**31),
                                                                   "x")) + junk(1, 4)),
        ("text frame", lambda _: "not binary " + rng.randbytes(8).hex()),
        ("garbage awareness", lambda _: protocol.awareness(junk(1, 64))),
        ("forged client id", lambda forge: protocol.sync_update(forge())),
        ("update missing its first part", lambda _: protocol.sync_update(second_of_two[0])),
        ("server-only saved message", lambda _: bytes([100]) + junk(0, 8)),
    ]
    frames = [kinds[i % len(kinds)] for i in range(count)]
    rng.shuffle(frames)
    return frames


class Attacker:
    """A signed-in writer sending hostile frames, with a synced copy of the document to forge
    from."""

    def __init__(self, url: str, source: str | None = None) -> None:
        self.url = url
        self.source = source
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc()
        self.ws: Any = None

    async def connect(self) -> str:
        """'alive', or 'closed <code>' / 'http <status>' when the server refused the
        handshake (an address over its budget of attempts or failures)."""
        try:
            self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None,
                                               open_timeout=10, close_timeout=2,
                                               **_bind(self.source))
        except websockets.InvalidStatus as refused:
            return f"http {refused.response.status_code}"
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(protocol.sync_step1(self.doc.get_state()))
        status = await self.probe()
        if status == "closed 4401" or status == "closed 4403":
            raise RuntimeError(f"the attacker could not even sign in: {status}")
        return status

    def forge(self) -> bytes:
        """The next edit of someone else's Yjs client id, as that person's client would
        send it."""
        own = self.doc.client_id
        victims = [c for c in ycodec.decode_state_vector(self.doc.get_state()) if c != own]
        if not victims:
            return _update_of(random.randrange(1, 2**31), "[forged]")
        victim: pycrdt.Doc[Any] = pycrdt.Doc(client_id=random.choice(victims))
        victim.apply_update(self.doc.get_update())
        before = victim.get_state()
        text = victim.get("text", type=pycrdt.Text)
        text.insert(len(text), "[forged]")
        return victim.get_update(before)

    async def probe(self) -> str:
        """Ask for awareness and wait for it: 'alive', or 'closed <code>'."""
        ws = self.ws
        try:
            await ws.send(protocol.query_awareness())
            while True:
                frame = await asyncio.wait_for(ws.recv(), 10)
                if not isinstance(frame, bytes):
                    continue
                message = protocol.decode(frame)
                if isinstance(message, protocol.SyncStep2 | protocol.SyncUpdate):
                    self.doc.apply_update(message.update)
                elif isinstance(message, protocol.AwarenessMessage):
                    return "alive"
        except websockets.ConnectionClosed:
            return f"closed {ws.close_code}"

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        self.ws = None


async def send_malformed(url: str, frames: Sequence[tuple[str, Callable[[Forge], Frame]]],
                         pace: float = 0.0, source: str | None = None) -> Counter[str]:
    """Send each frame on a connection (a new one whenever the server closed the last) and
    count what the server did: kept the connection (answered the probe after the frame) or
    closed it. The write path checks updates after the probe may be answered, so a refused
    update can close the connection one frame later."""
    outcomes: Counter[str] = Counter()
    attacker = Attacker(url, source)
    try:
        for name, make in frames:
            if attacker.ws is None:
                status = await attacker.connect()
                if status != "alive":  # the frame never got on a connection
                    outcomes[f"{name}: {status} at handshake"] += 1
                    await attacker.close()
                    if pace:
                        await asyncio.sleep(pace)
                    continue
            with contextlib.suppress(websockets.ConnectionClosed):
                await attacker.ws.send(make(attacker.forge))
            result = await attacker.probe()
            outcomes[f"{name}: {result}"] += 1
            if result != "alive":
                await attacker.close()
            if pace:
                await asyncio.sleep(pace)
    finally:
        await attacker.close()
    return outcomes


def _sign(secret: bytes, claims: dict[str, Any]) -> str:
    return serializer(SESSION_TOKEN, secret).dumps(claims)


def bad_credentials(secret: bytes, count: int, seed: int = 5) -> list[tuple[str, str | None]]:
    """(kind, token) pairs: every way a token can be wrong, and valid tokens of people who
    may read but not write."""
    rng = random.Random(seed)
    now = int(time.time())

    def claims(**extra: Any) -> dict[str, Any]:
        return {"sub": f"intruder{rng.randrange(10**6)}", "name": "Intruder", "org": "x",
                "org_name": "X", "role": "cso", "jti": rng.randbytes(8).hex(),
                "iat": now, "exp": now + 3600, **extra}

    def tampered() -> str:
        token = issue_token(secret, name="Tamper", org="X", role=Stakeholder.PUBLIC)
        _, timestamp, signature = token.rsplit(".", 2)
        raw = {**claims(), "role": "secretariat"}
        forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()
        return f"{forged}.{timestamp}.{signature}"

    kinds: list[tuple[str, Callable[[], str | None]]] = [
        ("no token", lambda: None),
        ("garbage token", lambda: rng.randbytes(24).hex()),
        ("other secret", lambda: issue_token(b"another-secret-of-enough-length!", name="Eve",
                                             org="X", role=Stakeholder.SECRETARIAT)),
        ("expired", lambda: issue_token(secret, name="Late", org="X", role=Stakeholder.CSO,
                                        ttl_seconds=60, now=now - 3600)),
        ("role system", lambda: _sign(secret, claims(role="system"))),
        ("unknown role", lambda: _sign(secret, claims(role="minister"))),
        ("claims missing", lambda: _sign(secret, {"sub": "x", "exp": now + 60})),
        ("tampered role", tampered),
        ("read-only public", lambda: issue_token(
            secret, name=f"Reader {rng.randrange(10**6)}", org="Public", role=Stakeholder.PUBLIC)),
        ("read-only auditor", lambda: issue_token(
            secret, name=f"Auditor {rng.randrange(10**6)}", org="BPK", role=Stakeholder.AUDITOR)),
        ("http bad bearer", lambda: rng.randbytes(16).hex()),
        ("http read-only bearer", lambda: issue_token(
            secret, name="Curious", org="Public", role=Stakeholder.PUBLIC)),
    ]
    return [(name, make()) for name, make in (kinds[i % len(kinds)] for i in range(count))]


async def try_credentials(address: str, document_id: str,
                          credentials: Sequence[tuple[str, str | None]],
                          source: str | None = None) -> Counter[str]:
    """Each request once; what the server answered. A write attempt by a read-only person
    counts as refused when the server sends permission-denied (type 2) for it."""
    outcomes: Counter[str] = Counter()
    transport = httpx.AsyncHTTPTransport(local_address=source) if source else None
    async with httpx.AsyncClient(timeout=10, transport=transport) as http:
        for name, token in credentials:
            if name.startswith("http"):
                response = await http.post(f"http://{address}/api/audit/checkpoints",
                                           headers={"Authorization": f"Bearer {token}"})
                outcomes[f"{name}: http {response.status_code}"] += 1
                continue
            query = f"?token={token}" if token is not None else ""
            url = f"ws://{address}/ws/{document_id}{query}"
            try:
                ws = await websockets.connect(url, ping_interval=None, open_timeout=10,
                                              close_timeout=2, **_bind(source))
            except websockets.InvalidStatus as refused:  # the upgrade itself was refused
                outcomes[f"{name}: http {refused.response.status_code} at handshake"] += 1
                continue
            async with ws:
                if name.startswith("read-only"):
                    update = _update_of(random.randrange(1, 2**31), "[intruder]")
                    with contextlib.suppress(websockets.ConnectionClosed):
                        await ws.send(protocol.sync_update(update))
                    outcomes[f"{name}: {await _denied(ws)}"] += 1
                else:
                    outcomes[f"{name}: {await _closed(ws)}"] += 1
    return outcomes


def _bind(source: str | None) -> dict[str, Any]:
    """Connect from ``source`` (another loopback address: the attacker's own host)."""
    return {"local_addr": (source, 0)} if source else {}


async def _closed(ws: Any) -> str:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.ConnectionClosed:
        return f"closed {ws.close_code}"


async def _denied(ws: Any) -> str:
    try:
        while True:
            frame = await asyncio.wait_for(ws.recv(), 10)
            if isinstance(frame, bytes) and frame[:1] == b"\x02":
                return "permission denied"
    except websockets.ConnectionClosed:
        return f"closed {ws.close_code}"


async def _main(args: argparse.Namespace) -> None:
    jobs = []
    frames = malformed_frames(args.frames)
    for n in range(args.attackers):
        url = args.attack_url[n % len(args.attack_url)]
        jobs.append(send_malformed(url, frames[n::args.attackers], args.pace, args.source))
    secret = os.environ["KOKREASI_SECRET_KEY"].encode()
    credentials = bad_credentials(secret, args.requests)
    for n, address in enumerate(args.address):
        jobs.append(try_credentials(address, args.document, credentials[n::len(args.address)],
                                    args.source))
    total: Counter[str] = Counter()
    for counter in await asyncio.gather(*jobs):
        total.update(counter)
    # The attack's own CPU, to tell how much of the machine it took from the servers.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"outcomes": dict(total),
                      "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}))


if __name__ == "__main__":
    # The attack runs in a process of its own, so it does not slow the measuring editors.
    parser = argparse.ArgumentParser()
    parser.add_argument("--attack-url", action="append", required=True)
    parser.add_argument("--address", action="append", required=True)
    parser.add_argument("--document", required=True)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--pace", type=float, default=0.0,
                        help="seconds each attacker waits between frames (0: flat out)")
    parser.add_argument("--source", default="127.0.0.2",
                        help="local address to attack from, not the editors' 127.0.0.1 "
                        "('' for the default route)")
    asyncio.run(_main(parser.parse_args()))
