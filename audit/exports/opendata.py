"""Open data: commitments, milestones (with their latest implementation status),
contributions, sessions, public inputs with their responses, and implementation's progress
reports and evidence files (SHA-256), as CSV and JSON with stable OGP-style ids
(``audit.exports.ids``).

Every table is a list of flat rows with the same columns in CSV and JSON. Contacts are never
included (the process keeps them sealed); a member of the public who gave input appears only
under the name and organisation they chose to give.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import IO, Any, Protocol

from events.record import Stakeholder, format_timestamp, utc_now

from .ids import contribution_id, input_id, milestone_id, session_id
from .plan import DOC_PREFIX, PlanView
from .signoffs import forum_rows, signoff_rows

TABLES = ("commitments", "milestones", "contributions", "sessions", "inputs", "progress",
          "evidence", "forum", "signoffs")


@dataclass(frozen=True, slots=True)
class OpenData:
    plan: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan, **self.tables}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    return str(value)


def open_data(view: PlanView) -> OpenData:
    state = view.state
    plan = view.plan
    shown = {item.commitment.id: item for item in view.commitments}
    ogp_ids = {key: item.ogp_id for key, item in shown.items()}
    commitments, milestones = [], []
    progress: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for item in view.commitments:
        meta, content = item.content.meta, item.content
        group = state.working_groups.get(item.commitment.working_group_id)
        commitments.append({
            "id": item.ogp_id,
            "plan_id": plan.id,
            "commitment_key": item.commitment.id,
            "number": _text(meta.get("number")) or item.commitment.number,
            "title": content.title or item.commitment.title,
            "working_group": group.theme if group else "",
            "lead_agency": _text(meta.get("lead_agency")),
            "start_date": _text(meta.get("start_date")),
            "end_date": _text(meta.get("end_date")),
            "ogp_values": _text(meta.get("ogp_values")),
            "milestones": len(content.milestones),
            "published": item.commitment.id in plan.published,
            "document_id": item.commitment.document_id,
            **{f"section_{name}": section.text for name, section in content.sections.items()},
        })
        implementation = state.implementations.get(item.commitment.id)
        for index, milestone in enumerate(content.milestones):
            latest = implementation.latest_status(index + 1) if implementation else None
            milestones.append({
                "id": milestone_id(item.ogp_id, index),
                "commitment_id": item.ogp_id,
                "number": index + 1,
                **{key: _text(milestone.get(key)) for key in
                   ("activity", "deliverable", "start", "end", "output", "actors")},
                "status": str(latest.status) if latest and latest.status else "",
                "status_period": latest.period if latest else "",
            })
        for report in implementation.reports if implementation else []:
            progress.append({
                "id": report.id,
                "commitment_id": item.ogp_id,
                "milestone": report.milestone,
                "kind": str(report.kind),
                "status": str(report.status) if report.status else "",
                "period": report.period,
                "note": report.note,
                "reported_by": report.actor.org_name,
                "on_behalf_of": report.on_behalf_of or "",
                "disputes": report.disputes or "",
                "reported_at": format_timestamp(report.at),
                "position": report.position,
                "evidence_sha256": "; ".join(report.evidence),
                "links": "; ".join(report.links),
            })
        for file in implementation.evidence.values() if implementation else []:
            evidence.append({
                "sha256": file.sha256,
                "commitment_id": item.ogp_id,
                "filename": file.filename,
                "content_type": file.content_type,
                "bytes": file.size,
                "uploaded_by": file.actor.org_name,
                "uploaded_at": format_timestamp(file.at),
                "position": file.position,
            })

    sessions_of_plan = sorted(
        (s for s in state.sessions.values() if s.plan_id == plan.id),
        key=lambda s: s.opened_position,
    )
    session_ids = {s.id: session_id(i, str(s.method)) for i, s in enumerate(sessions_of_plan)}
    contributions, per_session = [], Counter[str]()
    for event in view.events:
        commitment = _commitment_of(view, event.stream_id)
        if commitment is not None and commitment not in shown:
            continue  # a commitment this reader may not see
        if event.actor.stakeholder is Stakeholder.SYSTEM:
            continue
        public = event.actor.stakeholder is Stakeholder.PUBLIC
        if event.context.session_id and event.stream_id.startswith(DOC_PREFIX):
            per_session[event.context.session_id] += 1
        contributions.append({
            "id": contribution_id(event.position),
            "position": event.position,
            "recorded_at": format_timestamp(event.recorded_at),
            "commitment_id": ogp_ids.get(commitment or "", ""),
            "type": event.type,
            "person": "" if public else event.actor.name,
            "organisation": event.actor.org_name,
            "stakeholder": str(event.actor.stakeholder),
            "stage": event.context.stage or "",
            "session_id": session_ids.get(event.context.session_id or "", ""),
            "bytes": len(event.payload),
            "hash": event.hash.hex(),
        })

    sessions = []
    for session in sessions_of_plan:
        attending = [state.organisations[o].name if o in state.organisations else o
                     for o in session.attendance]
        sessions.append({
            "id": session_ids[session.id],
            "session_key": session.id,
            "method": str(session.method),
            "date": session.date,
            "title": session.title,
            "open": session.open,
            "attendance": "; ".join(attending),
            "organisations_attending": len(attending),
            "minutes": session.minutes,
            "document_edits": per_session[session.id],
        })

    inputs = []
    per_commitment = Counter[str]()
    for item_input in sorted(state.inputs.values(), key=lambda i: i.position):
        if item_input.plan_id != plan.id or item_input.commitment_id not in shown:
            continue
        ogp = ogp_ids[item_input.commitment_id]
        response = item_input.response
        inputs.append({
            "id": input_id(ogp, per_commitment[ogp]),
            "input_key": item_input.id,
            "commitment_id": ogp,
            "section": _text(item_input.target.get("section")),
            "milestone": _text(item_input.target.get("milestone")),
            "submitted_at": format_timestamp(item_input.submitted_at),
            # Open data: the name only with the person's consent, no text of a hidden input.
            "name": item_input.published_name,
            "organisation": item_input.organisation,
            "text": "" if item_input.hidden else item_input.text,
            "hidden_reason": item_input.hidden.reason if item_input.hidden else "",
            "channel": item_input.channel,
            "session_id": session_ids.get(item_input.session_id or "", ""),
            "response_status": str(response.status) if response else "",
            "response_reason": response.reason if response else "",
            "responded_at": format_timestamp(response.at) if response else "",
            "responded_by": response.actor.org_name if response else "",
            "change_position": response.change_position if response else None,
        })
        per_commitment[ogp] += 1

    plan_row = {
        "id": plan.id, "title": plan.title, "period": plan.period,
        "stage": str(view.stage), "snapshot": view.snapshot, "position": view.position,
        "generated_at": format_timestamp(utc_now()),
        # The newest signed checkpoint within this view: ties the data to the audit trail.
        "checkpoint": view.checkpoint.note() if view.checkpoint else None,
    }
    return OpenData(plan_row, {
        "commitments": commitments, "milestones": milestones, "contributions": contributions,
        "sessions": sessions, "inputs": inputs, "progress": progress, "evidence": evidence,
        "forum": forum_rows(view), "signoffs": signoff_rows(view),
    })


def _commitment_of(view: PlanView, stream_id: str) -> str | None:
    """The commitment an event is about, when it is about one (its document, an input)."""
    state = view.state
    if stream_id.startswith(DOC_PREFIX):
        return state.documents.get(stream_id[len(DOC_PREFIX):])
    if stream_id.startswith("input:"):
        found = state.inputs.get(stream_id[len("input:"):])
        return found.commitment_id if found else None
    return None


# What makes a spreadsheet read a cell as a formula (OWASP "CSV injection"); a tab or a
# carriage return first is skipped by some apps, which then meet the formula behind it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: text that would start a formula gets a quote in
    front (numbers are numbers and stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: list[dict[str, Any]], out: IO[str]) -> None:
    """Every CSV the product writes goes through here, so every one is neutralised."""
    if not rows:
        return
    # RFC 4180's CRLF: the writer then also quotes a lone carriage return inside a cell,
    # which would otherwise split the row in a reader.
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def write_json(data: OpenData, out: IO[str]) -> None:
    json.dump(data.to_json(), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv_zip(data: OpenData, out: IO[bytes], folder: str = "") -> None:
    """One CSV per table, plus the JSON of everything."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        add_open_data(archive, data, folder)


class Archive(Protocol):
    def writestr(self, name: str, data: str | bytes, /) -> None: ...


def csv_text(rows: list[dict[str, Any]]) -> str:
    """CSV with a byte-order mark, so spreadsheets read Indonesian text as UTF-8."""
    text = io.StringIO()
    write_csv(rows, text)
    return "\ufeff" + text.getvalue()


def add_open_data(archive: Archive, data: OpenData, folder: str = "") -> None:
    for name in TABLES:
        archive.writestr(f"{folder}{name}.csv", csv_text(data.tables[name]))
    text = io.StringIO()
    write_json(data, text)
    archive.writestr(f"{folder}plan.json", text.getvalue())
