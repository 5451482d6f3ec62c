"""Stable, OGP-style identifiers for open data.

OGP numbers commitments with the country code and four digits (``ID0121``). A commitment's
id is the one the Secretariat typed into its ``meta.ogp_id`` once OGP assigned it, otherwise
``ID`` and its number in the plan (commitment 3 is ``ID0003``). Milestones, inputs and
sessions hang off their parent in the order they were recorded, which the append-only log
never changes; a contribution is named by its log position, unique forever.
"""

from __future__ import annotations

import re

from commitment.template import CommitmentContent
from httpapi.params import looks_whole
from process.records import Commitment

COUNTRY = "ID"
OGP_ID = re.compile(r"^[A-Z]{2,3}\d{4}$")


def commitment_id(commitment: Commitment, content: CommitmentContent | None = None) -> str:
    typed = str((content.meta if content else {}).get("ogp_id") or "").strip().upper()
    if OGP_ID.match(typed):
        return typed
    number = commitment.number.strip()
    return f"{COUNTRY}{int(number):04d}" if looks_whole(number) else f"{COUNTRY}-{number}"


def milestone_id(commitment_ogp_id: str, index: int) -> str:
    return f"{commitment_ogp_id}-M{index + 1}"


def input_id(commitment_ogp_id: str, index: int) -> str:
    return f"{commitment_ogp_id}-PI{index + 1:03d}"


def session_id(index: int, method: str) -> str:
    return f"S{index + 1:03d}-{method}"


def contribution_id(position: int) -> str:
    return f"E{position}"
