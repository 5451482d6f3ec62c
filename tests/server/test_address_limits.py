"""Per-address limits on handshakes and failures: a flood from one address is refused, while
people at other addresses, and people with valid tokens at the flooding address, keep editing."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from live_helpers import LiveServer, TokenFactory, YClient, eventually, make_settings, serving

from identity.access import AccessPolicy
from kokreasi.app import create_app
from server import protocol
from server.limits import AddressGuard, AddressLimits, Limits, QuietRefusals

FLOODER = "127.0.0.2"  # the whole 127/8 is loopback on Linux: a second client address
SMALL = AddressLimits(handshake_burst=6, handshakes_per_second=0.2, failure_burst=3,
                      failures_per_second=0.05, max_unauthenticated=2, explained_burst=4,
                      explained_per_second=0.01)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_handshakes_passes_then_a_flood_is_refused_until_tokens_refill() -> None:
    clock = Clock()
    guard = AddressGuard(AddressLimits(handshake_burst=3, handshakes_per_second=1), clock)
    for _ in range(3):
        assert guard.admit("10.0.0.1", "ayu") is None
        guard.checked("10.0.0.1")
    for _ in range(1000):
        assert guard.admit("10.0.0.1", "ayu") == (
            "too many connection attempts from this address; wait a minute")
    assert guard.admit("10.0.0.2", "ayu") is None, "another address has its own bucket"
    # Refusals are not charged: one second later the flooder gets one more handshake.
    clock.now = 1.0
    assert guard.admit("10.0.0.1", "ayu") is None


def test_the_default_lets_hundreds_behind_one_nat_in_at_once_but_not_thousands() -> None:
    clock = Clock()
    guard = AddressGuard(AddressLimits(), clock)
    admitted = 0
    for _ in range(3000):  # a minute's flood arriving in one instant
        if guard.admit("203.0.113.7", "ayu") is None:
            guard.checked("203.0.113.7")
            admitted += 1
    assert 300 <= admitted <= 600


def test_failures_refuse_only_attempts_without_a_valid_token() -> None:
    clock = Clock()
    guard = AddressGuard(AddressLimits(failure_burst=2, failures_per_second=0.5), clock)
    for _ in range(3):
        assert guard.admit("a", None) is None
        guard.failed("a", None)
    failed = "too many failed attempts from this address; wait a minute"
    assert guard.admit("a", None) == failed
    assert guard.admit("b", None) is None, "another address has its own failures"
    # Someone at the flooding address with a valid token is let in: the bad tokens were
    # not theirs.
    assert guard.admit("a", "ayu") is None
    guard.checked("a")
    # A person's own failures (a refused role, malformed frames) refuse only them.
    for _ in range(3):
        guard.failed("a", "ayu")
    assert guard.admit("a", "ayu") == (
        "too many refused attempts or malformed frames of yours; wait a minute")
    assert guard.admit("a", "budi") is None
    guard.checked("a")
    clock.now = 2.0  # the one failure of debt has refilled
    assert guard.admit("a", None) is None
    assert guard.admit("a", "ayu") is None


def test_handshakes_being_checked_are_capped_per_address() -> None:
    guard = AddressGuard(AddressLimits(max_unauthenticated=2), Clock())
    assert guard.admit("a", "ayu") is None and guard.admit("a", "budi") is None
    assert guard.admit("a", "citra") == (
        "too many connections being opened from this address at once")
    assert guard.admit("a", None) is None, "a bad token is refused at once, never pending"
    guard.checked("a")
    assert guard.admit("a", "citra") is None


@pytest.fixture
async def guarded(tmp_path: Path, sqlite_url: str,
                  policy: AccessPolicy) -> AsyncIterator[LiveServer]:
    app = create_app(make_settings(tmp_path, sqlite_url), policy=policy,
                     limits=Limits(per_address=SMALL))
    async with serving(app) as address:
        yield LiveServer(address, app)


async def _close_of(url: str, *, first: bytes | None = None, source: str = FLOODER,
                    **kwargs: Any) -> tuple[int, str]:
    """Open a websocket from ``source``, send ``first``, return how it closed: the close
    code and reason, or the HTTP status and body when the upgrade was refused."""
    try:
        ws = await websockets.connect(url, open_timeout=5, local_addr=(source, 0), **kwargs)
    except websockets.InvalidStatus as refused:
        return refused.response.status_code, refused.response.body.decode()
    async with ws:
        try:
            if first is not None:
                await ws.send(first)
            async for _ in ws:
                pass
        except websockets.ConnectionClosed:
            pass
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""


async def test_a_bad_token_flood_is_refused_while_others_keep_editing(
    guarded: LiveServer, token: TokenFactory
) -> None:
    good = token()
    async with YClient(guarded.url("doc-a", good, saved=True)) as ayu, \
            YClient(guarded.url("doc-a", token(name="Budi"))) as budi:
        await asyncio.wait_for(ayu.synced.wait(), 5)
        await asyncio.wait_for(budi.synced.wait(), 5)
        before = await _refusals(guarded)
        codes = [await _close_of(guarded.url("doc-a", "forged." + good)) for _ in range(20)]
        assert [code for code, _ in codes[:3]] == [4401] * 3
        refusals = [close for close in codes if close[0] in (1013, 429)]
        reason = "too many failed attempts from this address; wait a minute"
        # The first refusals are explained in a close a browser can show; then the flood
        # gets HTTP 429 to its upgrades (the reason in the body), which costs no websocket.
        assert refusals[:4] == [(1013, reason)] * 4
        assert refusals[4:] == [(429, reason)] * (len(refusals) - 4) and len(refusals) > 10
        after = await _refusals(guarded)
        assert after["failures"] == before["failures"] + len(refusals)
        assert after["handshakes"] == before["handshakes"]
        # The flood did not touch the editors at 127.0.0.1: they keep typing and syncing.
        ayu.text += "still editing"
        await eventually(lambda: str(budi.text) == "still editing")
        await ayu.wait_saved()
        async with YClient(guarded.url("doc-a", token(name="Citra"))) as citra:
            await asyncio.wait_for(citra.synced.wait(), 5)
            assert str(citra.text) == "still editing"
        # The flooding address stays refused for tokens that do not verify.
        assert await _close_of(guarded.url("doc-a", "forged." + good)) == (429, reason)


async def test_after_a_bad_token_flood_a_valid_token_from_that_address_still_edits(
    guarded: LiveServer, token: TokenFactory
) -> None:
    """Everyone behind one proxy or office NAT shares an address: a flood of bad tokens from
    it must not lock out the people there."""
    good = token()
    flood = [await _close_of(guarded.url("doc-e", "forged." + good), source="127.0.0.1")
             for _ in range(20)]
    assert {code for code, _ in flood[-10:]} <= {1013, 429}, "the flood is refused"
    async with YClient(guarded.url("doc-e", good, saved=True)) as ayu, \
            YClient(guarded.url("doc-e", token(name="Budi"))) as budi:
        await asyncio.wait_for(ayu.synced.wait(), 5)
        await asyncio.wait_for(budi.synced.wait(), 5)
        ayu.text += "signed in after the flood"
        await ayu.wait_saved()
        await eventually(lambda: str(budi.text) == "signed in after the flood")
    assert await _close_of(guarded.url("doc-e", "forged." + good), source="127.0.0.1") == (
        429, "too many failed attempts from this address; wait a minute")


async def _refusals(server: LiveServer) -> dict[str, float]:
    """``kokreasi_address_refusals_total`` by reason, as Prometheus scrapes it."""
    async with httpx.AsyncClient(base_url=f"http://{server.address}") as http:
        text = (await http.get("/metrics")).text
    prefix = 'kokreasi_address_refusals_total{reason="'
    return {line[len(prefix):].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line.startswith(prefix)}


async def test_an_address_sending_malformed_frames_gets_throttled(
    guarded: LiveServer, token: TokenFactory
) -> None:
    url = guarded.url("doc-b", token())
    closes = [await _close_of(url, first=b"\xff\xff garbage") for _ in range(6)]
    assert [code for code, _ in closes[:3]] == [4400] * 3
    assert closes[-1] == (
        1013, "too many refused attempts or malformed frames of yours; wait a minute")
    async with YClient(guarded.url("doc-b", token(name="Budi"), saved=True)) as budi:
        await asyncio.wait_for(budi.synced.wait(), 5)
        budi.text += "fine"
        await budi.wait_saved()


async def test_a_handshake_flood_with_valid_tokens_is_refused_after_the_burst(
    guarded: LiveServer, token: TokenFactory
) -> None:
    url = guarded.url("doc-c", token())
    opened = []
    try:
        for _ in range(int(SMALL.handshake_burst)):
            ws = await websockets.connect(url, open_timeout=5, local_addr=(FLOODER, 0))
            await ws.send(protocol.sync_step1(b"\x00"))
            opened.append(ws)
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            assert isinstance(protocol.decode(frame), protocol.SyncStep1 |
                              protocol.SyncStep2 | protocol.AwarenessMessage)
        code, reason = await _close_of(url)
        assert (code, reason) == (
            1013, "too many connection attempts from this address; wait a minute")
        # The connections admitted before the flood went over its budget stay open.
        assert all(ws.close_code is None for ws in opened)
    finally:
        for ws in opened:
            await ws.close()
    async with YClient(guarded.url("doc-c", token(name="Budi"))) as budi:
        await asyncio.wait_for(budi.synced.wait(), 5)


@pytest.mark.parametrize("trusted", [True, False])
async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    tmp_path: Path, sqlite_url: str, policy: AccessPolicy, trusted: bool
) -> None:
    settings = make_settings(tmp_path, sqlite_url)
    if trusted:  # the "proxy" connects from 127.0.0.2
        settings = dataclasses.replace(settings, extra={"trusted_proxies": FLOODER})
    app = create_app(settings, policy=policy, limits=Limits(per_address=SMALL))
    async with serving(app, proxy_headers=False) as address:
        server = LiveServer(address, app)
        flood = server.url("doc-d", "forged")
        for n in range(5):
            # Without a trusted proxy the header is the client's own claim: changing it
            # each time must not buy a fresh budget.
            forwarded = "198.51.100.7" if trusted else f"198.51.100.{n}"
            await _close_of(flood, additional_headers={"X-Forwarded-For": forwarded})
        other = await _close_of(flood, additional_headers={"X-Forwarded-For": "198.51.100.8"})
        assert other[0] == (4401 if trusted else 1013)


def test_refused_upgrades_are_logged_now_and_then_not_three_lines_each() -> None:
    clock = Clock()
    quiet = QuietRefusals(interval=10.0, clock=clock)

    def line(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.INFO, "", 0, msg, args, None)

    def refusal() -> list[bool]:  # what uvicorn and websockets log for one HTTP 429
        return [quiet.filter(line(QuietRefusals.ACCESS, "10.0.0.1:5", "/ws/d", 429)),
                quiet.filter(line(QuietRefusals.REJECTED, 429, "Too Many Requests")),
                quiet.filter(line(QuietRefusals.UNFINISHED))]

    assert refusal() == [True, False, False]
    assert [refusal() for _ in range(500)] == [[False, False, False]] * 500
    assert quiet.filter(line(QuietRefusals.ACCESS, "10.0.0.1:5", "/ws/d", 403))
    assert quiet.filter(line(QuietRefusals.UNFINISHED)), "a real one is not held back"
    clock.now = 10.0
    record = line(QuietRefusals.ACCESS, "10.0.0.1:5", "/ws/d", 429)
    assert quiet.filter(record)
    assert record.getMessage().endswith("(500 more refused since, not logged)")
