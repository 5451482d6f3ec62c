"""Run the fault scenarios of the production proof and print their figures.

    .venv/bin/python -m bench.faults.run            # every scenario, full length
    .venv/bin/python -m bench.faults.run 1 3        # kill -9, then PostgreSQL outage
    .venv/bin/python -m bench.faults.run --outage 10 --seconds 20 2
    .venv/bin/python -m bench.faults.run 5 --attackers-niced
    .venv/bin/python -m bench.faults.run bad-tokens  # a bad-token flood from the editors' address
    .venv/bin/python -m bench.faults.run abuse   # costly presence connections loris

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; KOKREASI_TEST_DATABASE_URL) and
Redis on 6379 (KOKREASI_TEST_REDIS_URL) for the scenarios that do not stop them; the Redis and
PostgreSQL outages run on private servers this script starts and stops (``redis-server`` and
PostgreSQL's ``initdb``/``pg_ctl``; port 5440 for PostgreSQL). Prints one JSON object per
scenario, then a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults import abuse, lockout, scenarios

EXACT = ("lost", "duplicated", "misattributed")


async def run(which: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for name in which:
        started = time.monotonic()
        if name == "bad-tokens":
            figures = await lockout.bad_token_flood(seconds=args.flood_seconds)
        elif name == "1":
            figures = await scenarios.kill_instance(seconds=args.seconds)
        elif name == "2":
            figures = await scenarios.redis_outage(outage=args.outage)
        elif name == "3":
            figures = await scenarios.postgres_outage(outage=args.outage,
                                                      port=args.postgres_port)
        elif name == "4":
            figures = await scenarios.slow_client()
        elif name == "5":
            figures = await scenarios.garbage(frames=args.frames, requests=args.requests,
                                              attackers=args.attackers, pace=args.pace,
                                              niced=args.attackers_niced)
        elif name in abuse.CASES:
            figures = await abuse.abuse(name, seconds=args.abuse_seconds,
                                        niced=args.attackers_niced)
        else:
            raise SystemExit(f"unknown scenario {name}; choose from 1 2 3 4 5 bad-tokens "
                             f"{' '.join(abuse.CASES)}")
        figures["wall_s"] = round(time.monotonic() - started, 1)
        print(json.dumps(figures), flush=True)
        results.append(figures)
    return results


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| scenario | edits sent | in log | in every final doc | events | lost | "
            "duplicated | misattributed | rows by others | converge s |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r['scenario']} | {r['edits_sent']} | {r['edits_in_log']} | "
            f"{'yes' if r['edits_in_every_final_doc'] else 'NO'} | {r['events_in_log']} | "
            f"{r['lost']} | {r['duplicated']} | {r['misattributed']} | {r['rows_by_others']} | "
            f"{r['time_to_converge_s']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", default=["1", "2", "3", "4", "5"])
    parser.add_argument("--seconds", type=float, default=20.0, help="edit storm of scenario 1")
    parser.add_argument("--outage", type=float, default=10.0, help="Redis/PostgreSQL outage")
    parser.add_argument("--postgres-port", type=int, default=5440)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--attackers", type=int, default=8, help="scenario 5 connections")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="scenario 5: seconds between an attacker's frames (0: flat out)")
    parser.add_argument("--flood-seconds", type=float, default=10.0,
                        help="bad-tokens: length of the flood")
    parser.add_argument("--attackers-niced", action="store_true",
                        help="scenario 5: run the attack on idle CPU only (SCHED_IDLE), as "
                        "attackers on machines of their own take none from the servers")
    parser.add_argument("--abuse-seconds", type=float, default=10.0,
                        help="length of each abuse case's attack")
    args = parser.parse_args(argv)
    which = [case for name in args.scenarios
             for case in (abuse.CASES if name == "abuse" else (name,))]
    results = asyncio.run(run(which, args))
    print(table(results))
    abused = [r for r in results if r["scenario"].startswith("abuse")]
    if abused:
        print(abuse.table(abused))
    bad = [r["scenario"] for r in results
           if any(r[k] for k in EXACT) or r["rows_by_others"] or not r["converged"]]
    if bad:
        print(f"NOT EXACT: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
