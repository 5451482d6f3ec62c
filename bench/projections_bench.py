"""Benchmark of the projections on a real editing trace, with bare pycrdt as the baseline.

The automerge-paper trace (259,778 keystrokes) is logged as one ``crdt.update`` per keystroke
in the ``problem`` section of one commitment, typed by 3 people taking turns every 500
keystrokes, over 5 stages (4 ``plan.stage_advanced`` events in between). Then, per run:

* bare: a fresh pycrdt ``Doc`` applies the same updates from memory (the floor);
* rebuild: ``ProjectionRunner.rebuild()`` of every projection from position 0 of the log;
* replay: the document (state, then content as JSON) at random positions;
* attribution: blame of the whole final document.

    python bench/projections_bench.py                      # SQLite in a temp folder, 3 runs
    python bench/projections_bench.py --backend postgres --database-url postgresql://...
    python bench/projections_bench.py --trace PATH --limit 50000 --runs 1

Prints one JSON object with medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pycrdt import Doc, XmlElement, XmlFragment, XmlText  # noqa: E402

import events  # noqa: E402
from commitment.template import read_commitment  # noqa: E402
from events import catalog  # noqa: E402
from events.record import Actor, Context, NewEvent, Stakeholder  # noqa: E402
from projections.attribution import attribute  # noqa: E402
from projections.replay import bindings_of, document_at  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402
from projections.storage import open_storage  # noqa: E402

DEFAULT_TRACE = REPO.parent / "shared" / "data" / "automerge-paper.edits.json.gz"
AUTHORS = (
    Actor("p-ani", "Ani", "org-ti", "Transparency International Indonesia", Stakeholder.CSO),
    Actor("p-budi", "Budi", "org-bappenas", "Kementerian PPN/Bappenas", Stakeholder.KLDI),
    Actor("p-sari", "Sari", "org-ogi", "Sekretariat OGI", Stakeholder.SECRETARIAT),
)
STAGES = ("draft1", "draft2", "draft3", "draft4", "final")
TURN = 500
APPEND_BATCH = 1000
PLAN = "bench-plan"
DOCUMENT = "bench-doc"


def updates_from_trace(path: Path, limit: int | None) -> list[tuple[int, bytes]]:
    """(author index, Yjs update) per keystroke; the first update creates the paragraph."""
    with gzip.open(path, "rt") as handle:
        edits = json.load(handle)[:limit]
    docs: list[Doc[Any]] = [Doc(client_id=1000 + i) for i in range(len(AUTHORS))]
    out: list[tuple[int, bytes]] = []
    capturing = [True]
    for index, doc in enumerate(docs):
        doc.observe(lambda e, i=index: out.append((i, e.update)) if capturing[0] else None)
    with docs[0].transaction():
        paragraph = docs[0].get("problem", type=XmlFragment).children.append(
            XmlElement("paragraph")
        )
        paragraph.children.append(XmlText())
    texts: list[XmlText | None] = [None] * len(docs)
    current = 0
    for n, (pos, deleted, inserted) in enumerate(edits):
        author = (n // TURN) % len(docs)
        if author != current:
            capturing[0] = False  # catching up on the others' typing is not an edit
            doc = docs[author]
            doc.apply_update(docs[current].get_update(doc.get_state()))
            capturing[0] = True
            current = author
        text = texts[author]
        if text is None:
            node = docs[author].get("problem", type=XmlFragment).children[0].children[0]
            assert isinstance(node, XmlText)
            text = texts[author] = node
        with docs[author].transaction():
            if deleted:
                del text[pos : pos + deleted]
            if inserted:
                text.insert(pos, inserted)
    return out


async def log_updates(url: str, updates: list[tuple[int, bytes]]) -> None:
    catalog.register("plan.stage_advanced")
    store = await events.open_store(url)
    try:
        if (await store.head()).position == len(updates) + len(STAGES) - 1:
            return  # logged by an earlier run on this PostgreSQL database

        per_stage = -(-len(updates) // len(STAGES))
        for stage_index, stage in enumerate(STAGES):
            chunk = updates[stage_index * per_stage : (stage_index + 1) * per_stage]
            for start in range(0, len(chunk), APPEND_BATCH):
                part = chunk[start : start + APPEND_BATCH]
                # One append per author run keeps one actor per event, as the server does.
                run: list[NewEvent] = []
                for author, update in part:
                    if run and run[-1].actor is not AUTHORS[author]:
                        await store.append(f"doc:{DOCUMENT}", run)
                        run = []
                    run.append(NewEvent("crdt.update", update, AUTHORS[author],
                                        Context(PLAN, stage, f"session-{stage}")))
                if run:
                    await store.append(f"doc:{DOCUMENT}", run)
            if stage_index + 1 < len(STAGES):
                await store.append(f"plan:{PLAN}", [NewEvent(
                    "plan.stage_advanced",
                    {"plan_id": PLAN, "from": stage, "to": STAGES[stage_index + 1]},
                    AUTHORS[2], Context(PLAN, stage, None),
                )])
    finally:
        await store.close()


def bare_apply(updates: list[tuple[int, bytes]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of applying every update to a fresh pycrdt document."""
    doc: Doc[Any] = Doc()
    started, cpu_started = time.perf_counter(), time.process_time()
    for _, update in updates:
        doc.apply_update(update)
    return time.perf_counter() - started, time.process_time() - cpu_started


async def measure(url: str, updates: list[tuple[int, bytes]], samples: int) -> dict[str, Any]:
    store = await events.open_store(url)
    storage = await open_storage(url)
    try:
        started = time.perf_counter()
        count = 0
        after = 0
        while batch := await store.read_rows(after_position=after, limit=20000):
            count += len(batch)
            after = batch[-1][0]
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cpu_started = time.process_time()  # this process, all threads: less load-dependent
        folded = await ProjectionRunner(store, storage).rebuild()
        rebuild_seconds = time.perf_counter() - started
        rebuild_cpu_seconds = time.process_time() - cpu_started
        head = (await store.head()).position
        rng = random.Random(7)
        state_ms: list[float] = []
        state_cpu_ms: list[float] = []
        content_ms: list[float] = []
        for _ in range(samples):
            position = rng.randint(1, head)
            started, cpu_started = time.perf_counter(), time.process_time()
            at = await document_at(storage, store, DOCUMENT, position)
            middle, cpu_middle = time.perf_counter(), time.process_time()
            read_commitment(at.doc).as_json()
            done = time.perf_counter()
            state_ms.append((middle - started) * 1000)
            # The work itself, all threads of this process: what the wall figure becomes on
            # an idle machine (the wall p99 follows the load of the shared machine).
            state_cpu_ms.append((cpu_middle - cpu_started) * 1000)
            content_ms.append((done - started) * 1000)
        latest = await document_at(storage, store, DOCUMENT)
        bindings = await bindings_of(storage, DOCUMENT)
        started = time.perf_counter()
        blame = attribute(latest.state(), bindings)
        attribution_seconds = time.perf_counter() - started
        chars = sum(len(b.authors) for b in blame.texts.values())
        unattributed = sum(a is None for b in blame.texts.values() for a in b.authors)
    finally:
        await storage.close()
        await store.close()
    return {
        "events": count, "folded": folded, "read_log_s": read_seconds,
        "rebuild_s": rebuild_seconds, "rebuild_events_per_s": folded / rebuild_seconds,
        "rebuild_cpu_s": rebuild_cpu_seconds,
        "replay_state_ms": _percentiles(state_ms), "replay_content_ms": _percentiles(content_ms),
        "replay_state_cpu_ms": _percentiles(state_cpu_ms),
        "attribution_s": attribution_seconds, "attributed_chars": chars,
        "unattributed_chars": unattributed,
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
    }


def rss_mb() -> dict[str, float]:
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_mb": round(current, 1), "peak_rss_mb": round(peak, 1)}


def _median_of(runs: list[dict[str, Any]], key: str, sub: str | None = None) -> float:
    values = [float(r[key][sub] if sub else r[key]) for r in runs]
    return round(statistics.median(values), 4)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", type=Path, default=DEFAULT_TRACE)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database for --backend "
                        "postgres (its tables are filled)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N keystrokes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200, help="replays per run")
    args = parser.parse_args()
    started = time.perf_counter()
    updates = updates_from_trace(args.trace, args.limit)
    generate_seconds = time.perf_counter() - started
    # The generated updates stay in memory for the baseline; a rebuild run from the command
    # line would not have them, so the cycle collector is told to leave them alone.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "postgres":
            if not args.database_url:
                parser.error("--backend postgres needs --database-url")
            url = args.database_url
        else:
            url = f"sqlite:///{Path(folder) / 'events.sqlite3'}"
        started = time.perf_counter()
        await log_updates(url, updates)
        log_seconds = time.perf_counter() - started
        runs = []
        bare = []
        bare_cpu = []
        for _ in range(args.runs):
            wall, cpu = bare_apply(updates)
            bare.append(wall)
            bare_cpu.append(cpu)
            runs.append(await measure(url, updates, args.samples))
    bare_median = statistics.median(bare)
    bare_cpu_median = statistics.median(bare_cpu)
    rebuild_median = _median_of(runs, "rebuild_s")
    rebuild_cpu_median = _median_of(runs, "rebuild_cpu_s")
    print(json.dumps({
        "backend": args.backend, "keystrokes": len(updates), "runs": args.runs,
        "generate_updates_s": round(generate_seconds, 2), "log_append_s": round(log_seconds, 2),
        "bare_apply_s": round(bare_median, 4),
        "read_log_s": _median_of(runs, "read_log_s"),
        "rebuild_s": rebuild_median,
        "rebuild_events_per_s": round(_median_of(runs, "rebuild_events_per_s")),
        "rebuild_vs_bare": round(rebuild_median / bare_median, 2),
        "bare_apply_cpu_s": round(bare_cpu_median, 4),
        "rebuild_cpu_s": rebuild_cpu_median,
        "rebuild_vs_bare_cpu": round(rebuild_cpu_median / bare_cpu_median, 2),
        "replay_state_ms_median": _median_of(runs, "replay_state_ms", "median"),
        "replay_state_ms_p99": _median_of(runs, "replay_state_ms", "p99"),
        "replay_state_cpu_ms_median": _median_of(runs, "replay_state_cpu_ms", "median"),
        "replay_state_cpu_ms_p99": _median_of(runs, "replay_state_cpu_ms", "p99"),
        "replay_content_ms_median": _median_of(runs, "replay_content_ms", "median"),
        "replay_content_ms_p99": _median_of(runs, "replay_content_ms", "p99"),
        "attribution_s": _median_of(runs, "attribution_s"),
        "attributed_chars": runs[-1]["attributed_chars"],
        "unattributed_chars": runs[-1]["unattributed_chars"],
        **rss_mb(),
    }, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
