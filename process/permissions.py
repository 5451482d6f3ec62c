"""Who may do what, at which stage: the permission table of the co-creation process.

Pure functions of the folded state, shared by the live server's access policy and the HTTP
API, so the two can never disagree. Refusals carry a reason in Indonesian and English, in
words the person refused understands.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.record import Actor, Stakeholder

from .domain import ADOPTED, Stage
from .records import Commitment, Input, Plan
from .state import ProcessState

AUTHORS_BY_STAGE: dict[Stage, frozenset[Stakeholder]] = {
    Stage.SETUP: frozenset(),
    Stage.DRAFT1: frozenset({Stakeholder.CSO, Stakeholder.SECRETARIAT}),
    Stage.DRAFT2: frozenset({Stakeholder.CSO, Stakeholder.SECRETARIAT}),
    Stage.DRAFT3: frozenset({Stakeholder.CSO, Stakeholder.KLDI, Stakeholder.SECRETARIAT}),
    Stage.DRAFT4: frozenset({Stakeholder.CSO, Stakeholder.KLDI, Stakeholder.SECRETARIAT}),
    Stage.FINAL: frozenset(),
    Stage.IMPLEMENTATION: frozenset(),
}
"""Stakeholder types that author commitment text at each stage (members of the commitment's
working group only, except the Secretariat)."""

READERS = frozenset(
    {Stakeholder.CSO, Stakeholder.KLDI, Stakeholder.SECRETARIAT, Stakeholder.AUDITOR}
)
"""Signed-in stakeholders who read every commitment; the public reads what is published."""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    stage_conflict: bool = False  # refused because of the stage, not of who asks (HTTP 409)


ALLOW = Decision(True)

FINAL_FROZEN = "Rencana aksi sudah final dan dibekukan / The plan is final; its text is frozen"
FINAL_FROZEN_TEXT = (
    "Rencana aksi sudah final dan dibekukan; perubahan memerlukan revisi yang dibuka Sekretariat "
    "dengan alasan / The plan is final; its text is frozen; a change needs a revision opened by "
    "the Secretariat with a reason"
)


def _deny(indonesian: str, english: str, *, stage_conflict: bool = False) -> Decision:
    return Decision(False, f"{indonesian} / {english}", stage_conflict)


def is_secretariat(actor: Actor | None) -> bool:
    return actor is not None and actor.stakeholder is Stakeholder.SECRETARIAT


def reads_unpublished(actor: Actor | None) -> bool:
    """Members of the process read every commitment; anyone else only what was published.
    The only way the caller matters to ``can_read``: exports are cached by it."""
    return actor is not None and actor.stakeholder in READERS


def can_read(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    if reads_unpublished(actor):
        return ALLOW
    plan = state.plans[commitment.plan_id]
    if commitment.id in plan.published:
        return ALLOW
    return _deny(
        "Sekretariat belum memublikasikan komitmen ini",
        "the Secretariat has not published this commitment yet",
    )


def can_write_text(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    plan = state.plans[commitment.plan_id]
    stage = plan.stage
    if actor is None or actor.stakeholder is Stakeholder.PUBLIC:
        return _deny(
            "Publik membaca draf dan memberi masukan, tidak menyunting teks",
            "the public reads the draft and gives input; it does not edit the text",
        )
    if actor.stakeholder is Stakeholder.AUDITOR:
        return _deny("Auditor hanya membaca", "auditors read; they never write")
    if actor.stakeholder is Stakeholder.SYSTEM:
        return _deny("Bukan penyusun", "not an author")
    if stage in ADOPTED:
        if commitment.open_revision is None:
            return Decision(False, FINAL_FROZEN_TEXT, True)
        stage = Stage.DRAFT4  # an open revision: the authors of Draft 4 edit this commitment
    if stage is Stage.SETUP:
        return _deny(
            "Belum ada yang menyunting komitmen pada tahap Persiapan",
            "nobody edits commitments during Setup",
            stage_conflict=True,
        )
    if actor.stakeholder not in AUTHORS_BY_STAGE[stage]:
        return _deny(
            "Kementerian/lembaga menyunting mulai Draft 3", "ministries edit from Draft 3",
            stage_conflict=True,
        )
    if actor.stakeholder is Stakeholder.SECRETARIAT:
        return ALLOW
    if state.is_member(actor, commitment.working_group_id):
        return ALLOW
    theme = state.working_groups[commitment.working_group_id].theme
    return _deny(
        f"Hanya anggota kelompok kerja \u201c{theme}\u201d yang menyunting komitmen ini",
        f"only members of the \u201c{theme}\u201d working group edit this commitment",
    )


def can_give_input(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    """Public input: anyone, signed in or not, during Draft 4; auditors never write."""
    if actor is not None and actor.stakeholder in (Stakeholder.AUDITOR, Stakeholder.SYSTEM):
        return _deny("Auditor hanya membaca", "auditors read; they never write")
    read = can_read(state, actor, commitment)
    if not read.allowed:
        return read
    stage = state.plans[commitment.plan_id].stage
    if stage is not Stage.DRAFT4:
        return _deny(
            "Masukan publik hanya diterima pada Draft 4 (konsultasi publik)",
            "public input is only taken during Draft 4 (the public consultation)",
            stage_conflict=True,
        )
    return ALLOW


def can_respond(state: ProcessState, actor: Actor | None, item: Input) -> Decision:
    """A reasoned response: the Secretariat or the commitment's working group, at any stage:
    an input left unanswered at Final still gets its response (OGP standard 4.1)."""
    commitment = state.commitments[item.commitment_id]
    if actor is None or actor.stakeholder not in (
        Stakeholder.SECRETARIAT, Stakeholder.CSO, Stakeholder.KLDI,
    ):
        return _deny(
            "Hanya Sekretariat atau kelompok kerja yang menanggapi masukan",
            "only the Secretariat or the working group responds to input",
        )
    if not (actor.stakeholder is Stakeholder.SECRETARIAT
            or state.is_member(actor, commitment.working_group_id)):
        return _deny(
            "Hanya Sekretariat atau anggota kelompok kerja komitmen ini yang menanggapi",
            "only the Secretariat or members of this commitment's working group respond",
        )
    return ALLOW


def can_manage(actor: Actor | None) -> Decision:
    """Running the process (plans, organisations, people, groups, sessions): the Secretariat,
    or the server itself (the demo seeder; no token can claim the system role)."""
    if is_secretariat(actor) or (actor is not None and actor.stakeholder is Stakeholder.SYSTEM):
        return ALLOW
    return _deny(
        "Hanya Sekretariat OGI yang menjalankan proses ini",
        "only the OGI Secretariat runs this part of the process",
    )


def can_revise(actor: Actor | None, plan: Plan) -> Decision:
    """Opening or closing a revision of a commitment: the Secretariat, after Final only."""
    managed = can_manage(actor)
    if not managed.allowed:
        return managed
    if plan.stage not in ADOPTED:
        return _deny(
            "Revisi hanya untuk rencana aksi yang sudah final; sebelum itu teks disunting pada "
            "tahapnya", "revisions are for a final plan; before Final the text is edited in its "
            "stage", stage_conflict=True,
        )
    return ALLOW


def can_advance(actor: Actor | None, plan: Plan) -> Decision:
    managed = can_manage(actor)
    if not managed.allowed:
        return managed
    if plan.stage in ADOPTED:
        return Decision(False, FINAL_FROZEN, True)
    return ALLOW


# -- negotiation: comments, suggestions and their decisions (issue #13) ----------------------

VOICE_BY_STAGE: dict[Stage, frozenset[Stakeholder]] = {
    Stage.DRAFT1: frozenset({Stakeholder.KLDI}),
    Stage.DRAFT2: frozenset({Stakeholder.KLDI}),
}
"""Who reads a commitment without writing it at a stage, yet has a voice on it: a ministry of
the commitment's working group in Draft 1-2 comments and suggests. (The public's voice, in
Draft 4, is the consultation's input.)"""


def can_comment(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    """Those who may write the commitment now, the Secretariat, and readers with a voice;
    auditors and the public never (a refusal is always 403: it is about who asks)."""
    if actor is None or actor.stakeholder is Stakeholder.PUBLIC:
        return _deny(
            "Publik memberi masukan melalui konsultasi publik, bukan komentar",
            "the public gives input through the public consultation, not comments",
        )
    if actor.stakeholder in (Stakeholder.AUDITOR, Stakeholder.SYSTEM):
        return _deny("Auditor hanya membaca", "auditors read; they never write")
    if actor.stakeholder is Stakeholder.SECRETARIAT:
        return ALLOW
    if can_write_text(state, actor, commitment).allowed:
        return ALLOW
    stage = state.plans[commitment.plan_id].stage
    if actor.stakeholder in VOICE_BY_STAGE.get(stage, frozenset()) and state.is_member(
            actor, commitment.working_group_id):
        return ALLOW
    return _deny(
        "Anda tidak dapat mengomentari atau memberi saran pada komitmen ini pada tahap ini",
        "you may not comment on or suggest changes to this commitment at this stage",
    )


def can_suggest(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    """As comments: anyone who may write, and readers with a voice (a ministry in Draft 1-2)."""
    return can_comment(state, actor, commitment)


def can_decide(state: ProcessState, actor: Actor | None, commitment: Commitment) -> Decision:
    """Accepting or rejecting a suggestion: those who may write the commitment's text now, and
    the Secretariat. A frozen text (Final without a revision, Setup) takes no decision, since an
    acceptance would change it."""
    write = can_write_text(state, actor, commitment)
    if write.allowed:
        return ALLOW
    if write.stage_conflict and actor is not None and actor.stakeholder in (
            Stakeholder.CSO, Stakeholder.KLDI):
        return _deny(
            "Hanya yang boleh menyunting bagian ini sekarang, dan Sekretariat, yang memutuskan "
            "saran", "only those who may write this section now, and the Secretariat, decide "
            "on suggestions")
    if write.stage_conflict:
        return write
    return _deny(
        "Hanya yang boleh menyunting bagian ini sekarang, dan Sekretariat, yang memutuskan saran",
        "only those who may write this section now, and the Secretariat, decide on suggestions",
    )
