"""The ``/openapi.json`` entries of the history routes (``httpapi.openapi.Documented``)."""

from __future__ import annotations

from typing import Any

from httpapi.openapi import Operation, query
from httpapi.openapi import operation as documented

from .queries import CONTRIBUTION_FILTERS, HISTORY_FILTERS

_WHO = "anyone signed in but the public (CSOs, ministries, the Secretariat, auditors)"
_ERRORS = (400, 401, 403, 404)


def _operation(name: str, summary: str, *, parameters: tuple[Operation, ...] = (),
               **options: Any) -> Operation:
    return documented(name, summary, _WHO, tag="history", errors=_ERRORS,
                      parameters=parameters, **options)


def _filters(names: dict[str, str]) -> tuple[Operation, ...]:
    return tuple(query(name, False, f"only events whose {name} is this") for name in names)


HISTORY = _operation(
    "document_history", "A commitment document's events, newest last, with what each changed",
    parameters=(*_filters(HISTORY_FILTERS),
                query("after", False, "the position after which to list (paging)", "integer"),
                query("limit", False, "how many events at most (default 50)", "integer")))
CONTENT_AT = _operation(
    "document_at", "The document's content as it stood at a log position or an ISO 8601 time "
    "(path parameter at)")
SNAPSHOTS = _operation("document_snapshots", "The document's stage snapshots (Draft 1..Final)")
COMPARE = _operation(
    "document_compare", "Word-level changes between two versions, with who made them",
    parameters=(query("from", True, "a stage (draft2), a log position, or now"),
                query("to", False, "as from (default now)")))
ATTRIBUTION = _operation(
    "document_attribution", "Who wrote each part of the document's text now (or at a position)",
    parameters=(query("at", False, "a log position", "integer"),))
CONTRIBUTIONS = _operation(
    "contributions", "Contributions counted per person, organisation, stakeholder, stage or "
    "session", parameters=(*_filters(CONTRIBUTION_FILTERS),
                           query("group_by", False, "comma-separated: person, org, "
                                 "stakeholder, stage, session (default person)")))
