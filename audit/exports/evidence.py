"""The evidence pack for the IRM: one ZIP per plan, mapped to OGP's co-creation requirements.

    README.md                     what is where, requirement by requirement, with the figures
    plan/                         the plan now, in the template (PDF and DOCX, id and en)
    snapshots/                    each stage as agreed (PDF, id and en)
    diffs/                        what changed from stage to stage, and who wrote it
    sessions/                     sessions held, attendance by organisation, minutes
    forum/                        the multi-stakeholder forum, sign-offs and objections
    public-input/                 the input register with reasoned responses (Annex A style)
    implementation/               progress reports, monitoring notes, evidence files' SHA-256
    negotiation/                  comments and suggestions with their decisions and reasons
    data/                         the open data (CSV and JSON)
    audit/                        the audit bundle, every signed checkpoint, the public keys
    manifest.json                 SHA-256 of every file, the log position, the newest checkpoint
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import itertools
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from commitment.labels import LANGUAGES
from events.record import Stakeholder, format_timestamp, utc_now
from events.store import EventStore
from process.domain import Stage
from projections import workers

from ..bundle import ensure_fresh_checkpoint, export_bundle
from ..checkpoints import Checkpoint, list_checkpoints
from ..keys import Keyring, Signer
from .diffs import diff_views, render_markdown
from .documents import write_plan
from .jobs import read_log_at, shareable
from .labels import Labels
from .negotiation import negotiation_tables
from .opendata import OpenData, add_open_data, csv_text, open_data
from .plan import PlanView, load_stage_views, stage_views
from .signoffs import annex

Progress = Callable[[int, int], None]
SIX_MONTHS_DAYS = 183


@dataclass(slots=True)
class _Pack:
    archive: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)

    def writestr(self, path: str, data: str | bytes, /) -> None:
        """So ``add_open_data`` writes through the pack and its files enter the manifest."""
        self.add(path, data)

    def add(self, path: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.archive.writestr(path, raw)
        self.files.append({"path": path, "bytes": len(raw),
                           "sha256": hashlib.sha256(raw).hexdigest()})


def _pdf(view: PlanView, language: str) -> bytes:
    out = io.BytesIO()
    write_plan(view, "pdf", out, language=language)
    return out.getvalue()


def _docx(view: PlanView, language: str) -> bytes:
    out = io.BytesIO()
    write_plan(view, "docx", out, language=language)
    return out.getvalue()


def _sessions_markdown(data: OpenData) -> str:
    lines = ["# Sessions / Sesi ko-kreasi", ""]
    for s in data.tables["sessions"]:
        lines += [f"## {s['id']} {s['date']} {s['title']} ({s['method']})", "",
                  f"Attendance / Kehadiran: {s['attendance'] or '-'}", "",
                  f"Document edits during the session / Suntingan selama sesi: "
                  f"{s['document_edits']}", "", "Minutes / Notulen:", "",
                  s["minutes"] or "-", ""]
    return "\n".join(lines)


def _register_html(view: PlanView, data: OpenData) -> str:
    titles = {c["id"]: c["title"] for c in data.tables["commitments"]}
    rows = []
    for n, item in enumerate(data.tables["inputs"], start=1):
        where = item["section"] or (f"milestone {item['milestone']}" if item["milestone"] else "")
        source = ", ".join(p for p in (item["name"], item["organisation"]) if p) or "-"
        rows.append(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
                n, f"{item['commitment_id']} {titles.get(item['commitment_id'], '')}", where,
                item["text"], source, item["response_status"] or "NO RESPONSE YET",
                item["response_reason"], item["responded_by"])) + "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in (
        "No.", "Commitment / Komitmen", "Part / Bagian", "Comment / Masukan",
        "From / Dari", "Response / Tanggapan", "Reason / Alasan", "By / Oleh"))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(view.plan.title)}: public input register</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #888;padding:4px;vertical-align:top}"
        "th{background:#1f3864;color:#fff}</style></head><body>"
        f"<h1>{html.escape(view.plan.title)}</h1>"
        "<h2>Stakeholder comments and responses / Masukan publik dan tanggapan</h2>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table></body></html>\n"
    )


def _signoffs_markdown(view: PlanView) -> str:
    english = Labels("en")
    lines = annex(view, english) or ["No sign-offs are on the record."]
    return f"# {english['signoffs']}\n\n" + "".join(f"- {line}\n" for line in lines)


def _negotiation_summary(view: PlanView) -> str:
    comments, suggestions = negotiation_tables(view)
    threads = sum(1 for c in comments if not c["reply_id"])
    by_status = {s: sum(1 for x in suggestions if x["status"] == s)
                 for s in ("accepted", "rejected", "open")}
    return (f"{threads} comment threads with {len(comments) - threads} replies; "
            f"{len(suggestions)} suggestions: {by_status['accepted']} accepted, "
            f"{by_status['rejected']} rejected, {by_status['open']} open")


def _gaps(dates: list[date]) -> int:
    ordered = sorted(dates)
    return max(((b - a).days for a, b in itertools.pairwise(ordered)), default=0)


def _readme(view: PlanView, data: OpenData, snapshots: list[PlanView], bundle_name: str) -> str:
    plan = view.plan
    sessions = data.tables["sessions"]
    dates = []
    for s in sessions:
        try:
            dates.append(date.fromisoformat(s["date"]))
        except ValueError:
            continue
    gap = _gaps(dates)
    inputs = data.tables["inputs"]
    answered = sum(1 for i in inputs if i["response_status"])
    final = next((c for c in plan.history if c.to_stage is Stage.FINAL), None)
    after_final = [s for s in sessions if final is not None
                   and s["date"] >= final.at.date().isoformat()]
    with_cso = [s for s in after_final if any(
        o.stakeholder is Stakeholder.CSO and o.name in s["attendance"].split("; ")
        for o in view.state.organisations.values())]
    signoffs = data.tables["signoffs"]
    members = sum(1 for m in data.tables["forum"] if not m["removed_at"])
    objections = sum(1 for x in signoffs if x["current"] and x["signoff"] == "object")
    reservations = sum(1 for x in signoffs
                       if x["current"] and x["signoff"] == "agree_with_reservations")
    lines = [
        f"# Evidence pack: {plan.title} ({plan.period})",
        "",
        f"Plan `{plan.id}` at stage {view.stage}, as of log position {view.position}; "
        f"generated {format_timestamp(utc_now())}.",
        "",
        "## Co-creation requirements",
        "",
        "**1.1 Multi-stakeholder forum meets at least every six months** - `sessions/`: "
        f"{len(sessions)} sessions held"
        + (f" from {min(dates)} to {max(dates)}; longest gap {gap} days"
           + (" (MORE THAN SIX MONTHS)" if gap > SIX_MONTHS_DAYS else "") if dates else "")
        + ". Attendance by organisation and minutes are in `sessions/sessions.csv` and "
        "`sessions/minutes.md`.",
        "",
        "**1 Multi-stakeholder forum and sign-offs** - `forum/`: "
        f"{members} current members (`forum.csv`, removals with their reasons); "
        f"{len(signoffs)} sign-offs on the record, {objections} current objections and "
        f"{reservations} current reservations, each with its text (`signoffs.csv`, "
        "`signoffs.md`).",
        "",
        "**2.1 / 2.2 Public website and repository of co-creation evidence** - this pack: "
        "the plan (`plan/`), every stage as agreed (`snapshots/`), the open data (`data/`).",
        "",
        f"**4.1 Reasoned response to inputs** - `public-input/register.html` and `.csv`: "
        f"{len(inputs)} inputs, {answered} with a reasoned response, "
        f"{len(inputs) - answered} without.",
        "",
        "**Negotiation on the record** - `negotiation/comments.csv` (every comment and reply, "
        "by whom, at which stage and session) and `negotiation/suggestions.csv` (every "
        "suggested change, accepted or rejected, by whom and with the reason given): "
        + _negotiation_summary(view) + ".",
        "",
        "**5.1 At least two meetings a year with civil society during implementation** - "
        + (f"{len(with_cso)} sessions with CSOs attending since the plan became final."
           if final is not None else "the plan is not final yet; implementation has not begun."),
        "",
        "**Implementation progress** - `implementation/progress.csv`: "
        f"{len(data.tables['progress'])} progress reports and monitoring notes (status on the "
        "IRM completion scale per milestone, author, time); "
        "`implementation/evidence-files.csv`: the SHA-256 of each of "
        f"{len(data.tables['evidence'])} evidence files, as recorded in the log.",
        "",
        "## Stage versions with diffs and authorship",
        "",
        f"{len(snapshots)} stage snapshots in `snapshots/`; `diffs/` shows, per commitment, "
        "each field that changed from one stage to the next as a unified diff, and the "
        "number of document edits each organisation made in between. Under the title and "
        "each section (A-G) that changed, \"Added text by\" gives the characters each person "
        "added, with their organisation, and \"Removed text written by\" whose text was "
        "removed, whoever removed it. Both are exact per character, replayed from the log: "
        "every character carries the author of the edit that typed it, and which characters "
        "were added or removed is read from the document's edit history, not guessed by "
        "comparing texts (text retyped over someone else's counts as theirs removed and "
        "the typist's added). Milestones, meta fields and contacts show their diff only.",
        "",
        "## Verifying the history",
        "",
        f"`audit/{bundle_name}` holds every event of this plan, hash-chained and covered by "
        "the signed checkpoints in `audit/checkpoints.txt`; its signed header lists the "
        "plan's streams with their event counts and signs the whole bundle. Check it with "
        "no server:",
        "",
        f"    kokreasi audit verify audit/{bundle_name} --keys audit/public-keys.json",
        "",
        "Compare the key ids in `audit/public-keys.json` with the ones the Secretariat "
        "publishes: the keys in a file prove nothing about who made the file. `manifest.json` "
        "lists the SHA-256 of every file of this pack.",
    ]
    return "\n".join(lines) + "\n"


async def write_evidence_pack(
    store: EventStore,
    plan_id: str,
    out: IO[bytes],
    *,
    signer: Signer,
    keyring: Keyring | None = None,
    record_checkpoint: bool = False,
    progress: Progress | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Write the pack of ``plan_id``; return its manifest.

    Its bundle is signed by ``signer`` (see ``audit.bundle.export_bundle``, also for
    ``record_checkpoint``: a GET records nothing). With ``database_url`` (the server), the
    stage views are folded and the dozen PDFs laid out in a worker process that reads the log
    itself (``projections.workers``): in a thread they would take the GIL from the event
    loop for seconds. Without it (the command line), the log is read here and the documents
    laid out in a worker thread, with ``progress``."""
    if record_checkpoint:
        await ensure_fresh_checkpoint(store, signer)
    keyring = Keyring([*(keyring or Keyring()).values(), *signer.keyring.values()])
    if database_url is not None and shareable(database_url):
        head = (await store.head()).position
        bundle = io.StringIO()
        await export_bundle(store, plan_id, bundle, signer=signer, keyring=keyring)
        checkpoints = await list_checkpoints(store)
        data, manifest = await workers.run(
            _pack_in_worker, database_url, plan_id, head, bundle.getvalue(), checkpoints,
            keyring,
        )
        out.write(data)
        return manifest
    snapshots, current = await load_stage_views(store, plan_id)
    bundle = io.StringIO()
    await export_bundle(store, plan_id, bundle, signer=signer, keyring=keyring)
    checkpoints = await list_checkpoints(store)
    sources = _Sources(plan_id, snapshots, current, bundle.getvalue(), checkpoints, keyring)
    return await asyncio.to_thread(_assemble, sources, out, progress)


def _pack_in_worker(
    database_url: str, plan_id: str, head: int, bundle: str, checkpoints: list[Checkpoint],
    keyring: Keyring,
) -> tuple[bytes, dict[str, Any]]:
    log = asyncio.run(read_log_at(database_url, head))
    snapshots, current = stage_views(log, plan_id)
    out = io.BytesIO()
    manifest = _assemble(_Sources(plan_id, snapshots, current, bundle, checkpoints, keyring),
                         out, None)
    return out.getvalue(), manifest


@dataclass(frozen=True, slots=True)
class _Sources:
    plan_id: str
    snapshots: list[PlanView]
    current: PlanView
    bundle: str
    checkpoints: list[Checkpoint]
    keyring: Keyring


def _assemble(sources: _Sources, out: IO[bytes], progress: Progress | None) -> dict[str, Any]:
    plan_id, snapshots, current = sources.plan_id, sources.snapshots, sources.current
    steps = 5 + len(snapshots) * len(LANGUAGES) + 2 * len(LANGUAGES)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    data = open_data(current)
    bundle_name = f"bundle-{plan_id}.jsonl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        pack = _Pack(archive)
        for language in LANGUAGES:
            pack.add(f"plan/{plan_id}-{language}.pdf", _pdf(current, language))
            step()
            pack.add(f"plan/{plan_id}-{language}.docx", _docx(current, language))
            step()
        english = Labels("en")
        previous: PlanView | None = None
        for n, snapshot in enumerate(snapshots, start=1):
            for language in LANGUAGES:
                pack.add(f"snapshots/{n:02d}-{snapshot.stage}-{language}.pdf",
                         _pdf(snapshot, language))
                step()
            if snapshot.stage is not Stage.SETUP:
                changes = diff_views(previous, snapshot, english)
                name = f"{n:02d}-{previous.stage if previous else 'start'}-to-{snapshot.stage}"
                pack.add(f"diffs/{name}.md",
                         render_markdown(previous, snapshot, changes, english))
            previous = snapshot
        if previous is not None and current.position > previous.position:
            changes = diff_views(previous, current, english)
            if changes:
                pack.add(f"diffs/{len(snapshots) + 1:02d}-{previous.stage}-to-now.md",
                         render_markdown(previous, current, changes, english))
        step()
        add_open_data(pack, data, "data/")
        pack.add("sessions/sessions.csv", csv_text(data.tables["sessions"]))
        pack.add("sessions/minutes.md", _sessions_markdown(data))
        pack.add("public-input/register.csv", csv_text(data.tables["inputs"]))
        pack.add("public-input/register.html", _register_html(current, data))
        if data.tables["progress"] or data.tables["evidence"]:
            pack.add("implementation/progress.csv", csv_text(data.tables["progress"]))
            pack.add("implementation/evidence-files.csv", csv_text(data.tables["evidence"]))
        pack.add("forum/forum.csv", csv_text(data.tables["forum"]))
        pack.add("forum/signoffs.csv", csv_text(data.tables["signoffs"]))
        pack.add("forum/signoffs.md", _signoffs_markdown(current))
        comments, suggestions = negotiation_tables(current)
        pack.add("negotiation/comments.csv", csv_text(comments))
        pack.add("negotiation/suggestions.csv", csv_text(suggestions))
        step()
        pack.add(f"audit/{bundle_name}", sources.bundle)
        pack.add("audit/checkpoints.txt", "\n".join(c.note() for c in sources.checkpoints))
        pack.add("audit/public-keys.json",
                 json.dumps({"public_keys": sources.keyring.to_json()}, indent=2) + "\n")
        step()
        pack.add("README.md", _readme(current, data, snapshots, bundle_name))
        step()
        newest = sources.checkpoints[-1].to_json() if sources.checkpoints else None
        manifest = {
            "plan": plan_id,
            "position": current.position,
            "generated_at": format_timestamp(utc_now()),
            "newest_checkpoint": newest,
            "files": list(pack.files),
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        step()
    return manifest
