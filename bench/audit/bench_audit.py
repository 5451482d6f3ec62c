"""How long the audit trail takes on a log of N events (SQLite, one process).

    .venv/bin/python bench/audit/bench_audit.py [--events 20000] [--plans 4]

Prints: first checkpoint (reads the whole log), a later one (reads only the tail), a
consistency proof, the bundle export of one plan, and its offline verification.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import events
from audit.bundle import export_bundle
from audit.checkpoints import create_checkpoint
from audit.keys import Signer
from audit.proofs import prove_consistency
from audit.verify import verify_bundle
from events import catalog
from events.record import Actor, Context, NewEvent, Stakeholder

PLAN_CREATED = catalog.register("plan.created")  # the process registers it in the server


async def fill(store: events.EventStore, count: int, plans: int) -> None:
    from pycrdt import Doc, Text

    actor = Actor("p-1", "Rina", "o-tii", "TII", Stakeholder.CSO)
    for n in range(plans):
        # The export names a plan by its stream: without one it is an unknown plan.
        if not await store.stream_version(f"plan:plan{n}"):
            await store.append(f"plan:plan{n}", [
                NewEvent(PLAN_CREATED, {"title": f"Plan {n}"}, actor, Context(f"plan{n}"))
            ])
    docs = [Doc() for _ in range(plans)]
    texts = [doc.get("title", type=Text) for doc in docs]
    batch = 200
    for start in range(0, count, batch):
        pending = []
        for i in range(start, min(count, start + batch)):
            n = i % plans
            before = docs[n].get_state()
            texts[n].insert(len(texts[n]), f"word{i} ")
            update = docs[n].get_update(before)
            pending.append(store.append(f"doc:c{n}", [
                NewEvent("crdt.update", update, actor, Context(f"plan{n}", "draft1"))
            ]))
        await asyncio.gather(*pending)


def timed(label: str, started: float) -> float:
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed * 1000:9.1f} ms")
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--plans", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = await events.open_store(f"sqlite:///{os.path.join(directory, 'log.sqlite3')}")
        async with store:
            started = time.perf_counter()
            await fill(store, args.events, args.plans)
            timed(f"write {args.events} CRDT updates", started)
            signer = Signer.generate()
            started = time.perf_counter()
            first = await create_checkpoint(store, signer)
            timed(f"first checkpoint (size {first.tree_size}, reads the log)", started)
            await fill(store, 100, args.plans)
            started = time.perf_counter()
            second = await create_checkpoint(store, signer)
            timed(f"next checkpoint (size {second.tree_size}, reads the tail)", started)
            started = time.perf_counter()
            proof = await prove_consistency(store, first.tree_size)
            timed(f"consistency proof {first.tree_size} -> {proof.new_size}", started)
            out = io.StringIO()
            started = time.perf_counter()
            await export_bundle(store, "plan0", out, signer=signer, record_checkpoint=True)
            timed("export the bundle of one plan", started)
            text = out.getvalue()
            print(f"{'bundle size':<44} {len(text.encode()) / 1e6:9.2f} MB")
            started = time.perf_counter()
            result = verify_bundle(io.StringIO(text), trusted_keys=signer.keyring)
            timed(f"verify offline ({result.full} full, {result.withheld} withheld)", started)


if __name__ == "__main__":
    asyncio.run(main())
