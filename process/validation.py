"""The validation report of a commitment: the template's rules, checked on its content.

Shown to authors while they write and to the Secretariat at stage gates; it never blocks
typing. Each problem has a stable code (for the UI and for tests) and a message in
Indonesian and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from commitment.labels import GUIDANCE
from commitment.template import MAX_MILESTONES, OGP_VALUES, SECTIONS, CommitmentContent

BLOCKING = frozenset({"too_many_milestones"})
"""Problems the stage gate refuses to advance with, acknowledged or not: the template's rules,
not a matter of judgement."""

_VALUE_WORDS: dict[str, tuple[str, ...]] = {
    "transparency": ("transparency", "transparansi", "keterbukaan"),
    "participation": ("participation", "partisipasi"),
    "accountability": ("accountability", "akuntabilitas"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message_id: str
    message_en: str
    where: str = ""  # e.g. "problem", "milestones[2]", "meta"

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "where": self.where, "message_id": self.message_id,
                "message_en": self.message_en}


def validate(content: CommitmentContent) -> list[Problem]:
    problems: list[Problem] = []
    if not content.title.strip():
        problems.append(Problem("missing_title", "Judul komitmen belum diisi",
                                "the commitment has no title", "title"))
    for name in SECTIONS:
        if not content.sections[name].text.strip():
            guide = GUIDANCE[name]
            problems.append(Problem(
                "missing_section",
                f"Bagian {guide.letter} ({guide.heading_id}) belum diisi",
                f"section {guide.letter} ({guide.heading_en}) is empty",
                name,
            ))
    problems.extend(_check_period(content.meta))
    problems.extend(_check_milestones(content.milestones))
    if not _ogp_value_justified(content):
        problems.append(Problem(
            "no_ogp_value",
            "Belum ada nilai OGP (transparansi, partisipasi, akuntabilitas) yang dijelaskan",
            "no OGP value (transparency, participation, accountability) is ticked and justified",
            "ogp_values",
        ))
    return problems


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _check_period(meta: dict[str, Any]) -> list[Problem]:
    start, end = _date(meta.get("start_date")), _date(meta.get("end_date"))
    if start is not None and end is not None and end < start:
        return [Problem("end_before_start", "Tanggal selesai komitmen sebelum tanggal mulai",
                        "the commitment ends before it starts", "meta")]
    return []


def _filled(value: Any) -> bool:
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    return isinstance(value, str | int | float) and str(value).strip() != ""


def _check_milestones(milestones: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    if len(milestones) > MAX_MILESTONES:
        problems.append(Problem(
            "too_many_milestones",
            f"Ada {len(milestones)} tonggak capaian; paling banyak {MAX_MILESTONES}",
            f"{len(milestones)} milestones; at most {MAX_MILESTONES}",
            "milestones",
        ))
    for index, milestone in enumerate(milestones, start=1):
        where = f"milestones[{index}]"
        if not (_filled(milestone.get("activity")) and _filled(milestone.get("deliverable"))):
            problems.append(Problem(
                "milestone_without_deliverable",
                f"Tonggak {index} belum punya kegiatan dengan keluaran yang dapat diverifikasi",
                f"milestone {index} has no activity with a verifiable deliverable",
                where,
            ))
        start, end = _date(milestone.get("start")), _date(milestone.get("end"))
        if start is None or end is None:
            problems.append(Problem(
                "milestone_without_dates",
                f"Tonggak {index} belum punya tanggal mulai dan selesai (YYYY-MM-DD)",
                f"milestone {index} has no start and end date (YYYY-MM-DD)",
                where,
            ))
        elif end < start:
            problems.append(Problem(
                "milestone_end_before_start",
                f"Tonggak {index} selesai sebelum dimulai",
                f"milestone {index} ends before it starts",
                where,
            ))
    return problems


def _ogp_value_justified(content: CommitmentContent) -> bool:
    """A value counts when it is ticked in ``meta.ogp_values`` or named in section E, and
    section E says something about it."""
    text = content.sections["ogp_values"].text.lower()
    if not text.strip():
        return False
    ticked = content.meta.get("ogp_values")
    if isinstance(ticked, list) and any(v in OGP_VALUES for v in ticked):
        return True
    return any(word in text for words in _VALUE_WORDS.values() for word in words)
