"""What a client's update may not do to the ``review`` root: the template's root names
(``check_update_roots``) refuse a client naming it; edits nested inside it name no root, so
their items are walked here for ids of ``REVIEW_CLIENT_ID``."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc

import ycodec
from commitment.template import REVIEW_CLIENT_ID, SERVER_ONLY, check_update_roots


def check_client_update(doc_before: Doc[Any] | None, update: bytes) -> str | None:
    """The live server's rule for every client update: None when acceptable, else why not."""
    refusal = check_update_roots(doc_before, update)
    if refusal is not None:
        return refusal
    return SERVER_ONLY if touches_review(update) else None


def touches_review(update: bytes) -> bool:
    """Whether an update writes with, builds on or deletes an item of ``REVIEW_CLIENT_ID``.
    Every item under ``review`` has that id, and an item nested in ``review`` names its parent
    or a neighbour there, so this catches every edit inside it."""
    try:
        return ycodec.names_client(update, REVIEW_CLIENT_ID)
    except ycodec.DecodeError:
        return True  # pycrdt read it and the walk did not: refuse rather than guess
