"""Every word of the commitment template, in Indonesian and English: the section headings and
their guidance questions, the field labels. The editor (through ``/api/template``), the
validation report, the exports and the history pages all read them from here, so the editor
and the exported plan can never name a field differently.
"""

from __future__ import annotations

from dataclasses import dataclass

Bilingual = tuple[str, str]  # (Indonesian, English)
LANGUAGES = ("id", "en")


@dataclass(frozen=True, slots=True)
class Guidance:
    letter: str
    heading_id: str
    heading_en: str
    question_id: str
    question_en: str


_GUIDANCE_ROWS = (
    ("lead_agency", "A", "Badan pemimpin implementasi", "Lead implementing agency",
     "Badan mana yang memimpin? Jika memungkinkan sebutkan divisi atau unitnya.",
     "Which body leads the implementation? If possible, name the division or unit."),
    ("problem", "B", "Masalah publik", "Public problem",
     "Masalah publik apa yang akan diselesaikan komitmen ini? Masalah sosial, ekonomi, "
     "politik atau lingkungan; sertakan data dasar dan fakta bila ada.",
     "What public problem will the commitment address? A social, economic, political or "
     "environmental problem; give baseline data and facts where available."),
    ("commitment", "C", "Komitmen", "The commitment",
     "Apa komitmennya? Apa yang diwajibkan, hasil yang diharapkan, dan tujuan umumnya?",
     "What is the commitment? What does it require, what result is expected, what is the "
     "overall goal?"),
    ("solution", "D", "Kontribusi pada penyelesaian masalah", "How it solves the problem",
     "Bagaimana komitmen ini membantu menyelesaikan masalah? Bagaimana pelaksanaannya, dan "
     "bagaimana tonggak capaian menghasilkan hasil yang diharapkan?",
     "How will the commitment contribute to solving the problem? How will it be implemented, "
     "and how do the milestones lead to the expected results?"),
    ("ogp_values", "E", "Relevansi dengan nilai OGP", "Relevance to OGP values",
     "Mengapa relevan dengan nilai OGP? Transparansi, partisipasi warga, akuntabilitas "
     "publik: jelaskan nilai mana yang berlaku dan bagaimana.",
     "Why is it relevant to OGP values? Transparency, civic participation, public "
     "accountability: explain which apply and how."),
    ("alignment", "F", "Keselarasan dengan RKP", "Alignment with the Government Work Plan",
     "Bagaimana kaitannya dengan program pemerintah, rencana sektoral lain, RPJMN atau "
     "Stranas PK?",
     "How does it link to government programmes, other sectoral plans, the National "
     "Development Plan (RPJMN) or the National Anti-Corruption Strategy (Stranas PK)?"),
    ("additional", "G", "Informasi tambahan", "Additional information",
     "Anggaran, kaitan dengan SDGs, dan informasi lain yang berguna.",
     "Budget, link to the SDGs, and anything else useful."),
)
GUIDANCE: dict[str, Guidance] = {row[0]: Guidance(*row[1:]) for row in _GUIDANCE_ROWS}
"""The guidance question of each section (A-G), keyed by its root name."""


FIELDS: dict[str, Bilingual] = {
    "title": ("Nama komitmen", "Commitment title"),
    "meta.number": ("Nomor komitmen", "Commitment number"),
    "meta.start_date": ("Tanggal mulai", "Start date"),
    "meta.end_date": ("Tanggal selesai", "End date"),
    "meta.lead_agency": ("Aktor/badan pemimpin implementasi", "Lead implementing agency/actor"),
    "meta.policy_area": ("Bidang kebijakan", "Policy area"),
    "meta.ogp_values": ("Nilai OGP yang berlaku", "OGP values that apply"),
    "milestones.activity": ("Kegiatan", "Activity"),
    "milestones.deliverable": ("Hasil yang dapat diverifikasi", "Verifiable deliverable"),
    "milestones.start": ("Tanggal mulai", "Start date"),
    "milestones.end": ("Tanggal selesai", "End date"),
    "milestones.output": ("Keluaran", "Output"),
    "milestones.actors": ("Aktor yang terlibat", "Actors involved"),
    "contacts.name": ("Nama penanggung jawab di badan pelaksana",
                      "Name of the responsible person in the implementing agency"),
    "contacts.title": ("Jabatan", "Title"),
    "contacts.department": ("Unit kerja", "Department"),
    "contacts.email": ("Email", "Email"),
    "contacts.phone": ("Telepon", "Phone"),
    "contacts.government": ("Aktor lain: pemerintah", "Other actors: government"),
    "contacts.others": ("Aktor lain: OMS, swasta, multilateral, kelompok kerja",
                        "Other actors: CSOs, private sector, multilaterals, working groups"),
    "ogp_values.transparency": ("Transparansi", "Transparency"),
    "ogp_values.participation": ("Partisipasi warga", "Civic participation"),
    "ogp_values.accountability": ("Akuntabilitas publik", "Public accountability"),
}
"""Field labels keyed ``root.key`` (``title`` for the title), values the OGP values' names."""

GROUPS: dict[str, Bilingual] = {
    "meta": ("Data komitmen", "Commitment data"),
    "description": ("Deskripsi Komitmen", "Commitment description"),
    "milestones": ("Tonggak capaian", "Milestones"),
    "contacts": ("Informasi kontak", "Contact information"),
}
"""The headings of the template's parts."""


def in_language(words: Bilingual, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return words[LANGUAGES.index(language)]


def section_heading(name: str, language: str) -> str:
    """e.g. ``B. Masalah publik`` / ``B. Public problem``."""
    guidance = GUIDANCE[name]
    heading = guidance.heading_id if language == "id" else guidance.heading_en
    return f"{guidance.letter}. {heading}"
