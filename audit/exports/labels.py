"""The words of the exported template, in Indonesian and English.

Section headings, field labels and the template's part headings come from the commitment
contract (``commitment.labels``), stage names from the process (``process.domain.STAGE_NAMES``),
so the export says exactly what the editor says. Only the export's own words are here.
"""

from __future__ import annotations

from collections.abc import Mapping

from commitment.labels import FIELDS, GROUPS, GUIDANCE, LANGUAGES, section_heading
from commitment.template import SECTIONS
from process.domain import STAGE_NAMES, Stage

_WORDS: dict[str, tuple[str, str]] = {
    "commitment": ("Komitmen", "Commitment"),
    "dates": ("Tanggal mulai dan berakhir komitmen", "Commitment start and end date"),
    "activity": ("Kegiatan dengan hasil yang dapat diverifikasi",
                 "Activity with a verifiable deliverable"),
    "contact_title": ("Jabatan, departemen", "Title, department"),
    "contact_reach": ("Email dan telepon", "Email and phone"),
    "others": ("Aktor lain yang terlibat", "Other actors involved"),
    "government": ("Pemerintah", "Government"),
    "others_society": ("OMS, sektor swasta, multilateral, kelompok kerja",
                       "CSOs, private sector, multilaterals, working groups"),
    "stage": ("Tahap", "Stage"),
    "snapshot": ("Potret tahap (dibekukan)", "Stage snapshot (frozen)"),
    "current": ("Keadaan terkini", "Current state"),
    "as_of": ("Per posisi log", "As of log position"),
    "generated": ("Dibuat", "Generated"),
    "verification": ("Verifikasi", "Verification"),
    "checkpoint_intro": (
        "Riwayat kontribusi rencana ini tercatat dalam log yang ditandatangani.",
        "The contribution history of this plan is kept in a signed log.",
    ),
    "newest_checkpoint": ("Checkpoint terbaru:", "Newest checkpoint:"),
    "verify_how": (
        "Siapa pun dapat memeriksanya tanpa mempercayai server: unduh bundel audit lalu "
        "jalankan 'kokreasi audit verify', dengan kunci publik dari /api/audit/keys.",
        "Anyone can check it without trusting the server: download the audit bundle and run "
        "'kokreasi audit verify' with the public keys from /api/audit/keys.",
    ),
    "no_checkpoint": ("Belum ada checkpoint yang ditandatangani.",
                      "No checkpoint has been signed yet."),
    "empty": ("(belum diisi)", "(not filled in)"),
    "no_milestones": ("Belum ada tonggak capaian.", "No milestones yet."),
    "contents": ("Daftar komitmen", "Commitments"),
    "signoffs": ("Persetujuan, catatan keberatan dan keberatan",
                 "Sign-offs, reservations and objections"),
    "forum_plan": ("Rencana aksi (forum multi-pemangku)", "The plan (multi-stakeholder forum)"),
    "secretariat_for": ("Sekretariat atas nama", "the Secretariat on behalf of"),
    "over_objection": ("Sekretariat melanjutkan tahap meski ada keberatan, dengan alasan",
                       "the Secretariat advanced over objections, with the reason"),
    # The template's own words, under the names the layouts use.
    "lead": FIELDS["meta.lead_agency"],
    "start": FIELDS["milestones.start"],
    "end": FIELDS["milestones.end"],
    "output": FIELDS["milestones.output"],
    "actors": FIELDS["milestones.actors"],
    "contact_name": FIELDS["contacts.name"],
    "description": GROUPS["description"],
    "milestones": GROUPS["milestones"],
    "contact": GROUPS["contacts"],
}


class Labels:
    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        self.language = language
        self._index = LANGUAGES.index(language)

    def __getitem__(self, key: str) -> str:
        return _WORDS[key][self._index]

    def section(self, name: str) -> str:
        """e.g. ``B. Masalah publik`` / ``B. Public problem``."""
        return section_heading(name, self.language)

    def question(self, name: str) -> str:
        guidance = GUIDANCE[name]
        return guidance.question_id if self.language == "id" else guidance.question_en

    def stage(self, stage: Stage | str) -> str:
        return STAGE_NAMES[Stage(stage)][self._index]

    @property
    def sections(self) -> Mapping[str, str]:
        return {name: self.section(name) for name in SECTIONS}
