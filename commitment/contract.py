"""The commitment contract as the web app and other clients read it (``GET /api/template``):
the Yjs root names and types, the fields, and every label and guidance question in both
languages."""

from __future__ import annotations

from typing import Any

from . import template as t
from .labels import FIELDS, GROUPS, GUIDANCE, LANGUAGES, Bilingual


def _words(pair: Bilingual) -> dict[str, str]:
    return dict(zip(LANGUAGES, pair, strict=True))


def contract_json() -> dict[str, Any]:
    return {
        "roots": {t.TITLE: "Y.Text", t.META: "Y.Map", t.MILESTONES: "Y.Array<Y.Map>",
                  t.CONTACTS: "Y.Map", **{name: "Y.XmlFragment" for name in t.SECTIONS}},
        # Read, never written, by clients: comments and suggestions (docs/contracts.md).
        "server_roots": {t.REVIEW: "Y.Map<Y.Map<any>>"},
        "review_client_id": t.REVIEW_CLIENT_ID,
        "sections": [{"name": name, "letter": g.letter, "heading_id": g.heading_id,
                      "heading_en": g.heading_en, "question_id": g.question_id,
                      "question_en": g.question_en} for name, g in GUIDANCE.items()],
        "meta_keys": list(t.META_KEYS), "milestone_keys": list(t.MILESTONE_KEYS),
        "contact_keys": list(t.CONTACT_KEYS), "ogp_values": list(t.OGP_VALUES),
        "max_milestones": t.MAX_MILESTONES,
        "labels": {key: _words(pair) for key, pair in FIELDS.items()},
        "groups": {key: _words(pair) for key, pair in GROUPS.items()},
    }
