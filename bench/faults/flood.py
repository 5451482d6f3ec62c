"""A flood of websocket handshakes with bad tokens from one address, run as a process of its
own (so it does not slow the measuring editors): each of ``--connections`` loops opens a
websocket with a token that does not verify until ``--seconds`` have passed, and counts how
the server answered (4401 bad token, 1013 or HTTP 429 refused by the address limit)."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter

import websockets


async def _flood(urls: list[str], deadline: float, source: str | None) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    bind = {"local_addr": (source, 0)} if source else {}
    n = 0
    while time.monotonic() < deadline:
        url = urls[n % len(urls)]
        n += 1
        try:
            async with websockets.connect(url, ping_interval=None, open_timeout=10,
                                          close_timeout=2, **bind) as ws:
                try:
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                except websockets.ConnectionClosed:
                    outcomes[f"closed {ws.close_code}"] += 1
        except websockets.InvalidStatus as refused:
            outcomes[f"http {refused.response.status_code}"] += 1
        except (OSError, TimeoutError) as error:
            outcomes[f"error {type(error).__name__}"] += 1
    return outcomes


async def _main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    deadline = started + args.seconds
    total: Counter[str] = Counter()
    for counter in await asyncio.gather(*(_flood(args.url, deadline, args.source or None)
                                          for _ in range(args.connections))):
        total.update(counter)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"outcomes": dict(total), "attempts": sum(total.values()),
                      "seconds": round(time.monotonic() - started, 1),
                      "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", required=True,
                        help="websocket URLs carrying a bad token (taken in turn)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--source", default="127.0.0.1",
                        help="local address to flood from: by default the editors' own, as "
                        "when everyone comes through one proxy or office NAT")
    asyncio.run(_main(parser.parse_args()))
