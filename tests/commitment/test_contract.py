"""One commitment contract: every field has its words in both languages, the API serves them,
and the exported plan names each part exactly as the contract (and so the editor) does."""

from __future__ import annotations

from audit.exports.labels import Labels
from commitment import template as t
from commitment.contract import contract_json
from commitment.labels import FIELDS, GROUPS, LANGUAGES, section_heading


def test_every_field_of_the_template_has_a_label_in_both_languages() -> None:
    keys = {"title", *(f"meta.{k}" for k in t.META_KEYS),
            *(f"milestones.{k}" for k in t.MILESTONE_KEYS),
            *(f"contacts.{k}" for k in t.CONTACT_KEYS),
            *(f"ogp_values.{v}" for v in t.OGP_VALUES)}
    assert keys == set(FIELDS)
    for key, words in {**FIELDS, **GROUPS}.items():
        assert len(words) == len(LANGUAGES) and all(w.strip() for w in words), key


def test_the_contract_carries_every_label_and_heading() -> None:
    contract = contract_json()
    assert set(contract["labels"]) == set(FIELDS)
    assert contract["labels"]["meta.lead_agency"] == {
        "id": "Aktor/badan pemimpin implementasi", "en": "Lead implementing agency/actor"}
    assert [s["name"] for s in contract["sections"]] == list(t.SECTIONS)
    assert set(contract["roots"]) == t.ROOT_NAMES


def test_the_export_uses_the_contracts_words() -> None:
    for language in LANGUAGES:
        labels = Labels(language)
        index = LANGUAGES.index(language)
        for name in t.SECTIONS:
            assert labels.section(name) == section_heading(name, language)
        assert labels["lead"] == FIELDS["meta.lead_agency"][index]
        assert labels["contact_name"] == FIELDS["contacts.name"][index]
        assert [labels[k] for k in ("start", "end", "output", "actors")] == [
            FIELDS[f"milestones.{k}"][index] for k in ("start", "end", "output", "actors")]
        assert labels["milestones"] == GROUPS["milestones"][index]
