"""History summaries number milestones from 1, as every other place people read them."""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc, Map

from projections.summary import ChangeRecorder


def test_a_change_to_the_first_milestone_is_summarised_as_milestone_1() -> None:
    doc: Doc[Any] = Doc()
    milestones = doc.get("milestones", type=Array)
    recorder = ChangeRecorder(doc)
    with doc.transaction():
        milestones.append(Map({"activity": "Publikasi DTKS"}))
        milestones.append(Map({"activity": "Rapat koordinasi"}))
    recorder.take()
    with doc.transaction():
        milestones[0]["deliverable"] = "Portal data"
        milestones[1]["end"] = "2025-12-31"
    changes = recorder.take()
    # Yjs reports the changes of one transaction in no fixed order.
    assert sorted(changes.summary().split("; ")) == [
        "set milestones.1.deliverable", "set milestones.2.end"]
    assert sorted(changes.summary_id().split("; ")) == [
        "mengubah milestones.1.deliverable", "mengubah milestones.2.end"]
