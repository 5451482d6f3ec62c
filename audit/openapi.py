"""The ``/openapi.json`` entries of the audit and export routes (``httpapi.openapi.Documented``)."""

from __future__ import annotations

from typing import Any

from httpapi.openapi import Operation
from httpapi.openapi import operation as documented
from httpapi.openapi import query as _query

_NO_WRITE = ("A GET records nothing: the header of the bundle carries a checkpoint of the "
             "whole exported log signed at export, which is not added to the log; positions "
             "after the newest checkpoint recorded in the log are covered by that one only "
             "(`kokreasi audit verify` says which). POST /api/audit/checkpoints records one.")


def operation(name: str, summary: str, who: str, *, query: tuple[Operation, ...] = (),
              **options: Any) -> Operation:
    return documented(name, summary, who, tag="audit", parameters=query, **options)


CHECKPOINTS = operation(
    "list_checkpoints", "Every signed checkpoint (JSON and signed-note text), oldest first",
    "anyone")
SIGN_CHECKPOINT = operation(
    "sign_checkpoint", "Sign the log as it is now and record the checkpoint in it",
    "the Secretariat", status=201, errors=(401, 403),
    note="The only audit route that writes to the log.")
KEYS = operation(
    "keys", "The public keys, current and retired; vkey: the current key as signed-note "
    "verifiers read it", "anyone")
CONSISTENCY = operation(
    "consistency", "Proof that the newest (or the given) checkpoint's log extends an older size",
    "anyone", errors=(400,),
    query=(_query("from", True, "the size of the checkpoint you kept", "integer"),
           _query("to", False, "a recorded checkpoint's size (default: the newest)",
                  "integer")))
BUNDLE = operation(
    "audit_bundle",
    "The audit bundle of a plan (JSON Lines, format kokreasi-audit-bundle/3, docs/audit-bundle.md)",
    "auditors and the Secretariat", media_type="application/x-ndjson", note=_NO_WRITE,
    errors=(400, 401, 403, 404), query=(_query("plan", True, "the plan id"),))
EVIDENCE = operation(
    "evidence_pack", "The IRM evidence pack of a plan (ZIP), with its audit bundle",
    "auditors and the Secretariat", media_type="application/zip", note=_NO_WRITE,
    errors=(401, 403, 404))
PLAN_DOCUMENT = operation(
    "plan_document", "The plan in the OGP commitment template (format docx or pdf)",
    "anyone; who is not signed in as a CSO, ministry, the Secretariat or an auditor gets only "
    "published commitments", media_type="application/octet-stream", errors=(400, 404),
    query=(_query("lang", False, "id or en"),
           _query("stage", False, "a stage snapshot instead of now")))
OPEN_DATA = operation(
    "open_data", "Open data: opendata.json, or opendata.zip with one CSV per table",
    "anyone, as for the plan document", media_type="application/octet-stream",
    errors=(400, 404), note="CSV cells that a spreadsheet would run as a formula are "
    "prefixed with a quote.")
