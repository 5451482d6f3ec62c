"""The vocabulary of the co-creation process: stages, methods, statuses and the event types.

Every change to the process is one of the domain events registered here, with a JSON payload.
Each aggregate has its own stream (``events.record.STREAM_ID_PATTERN``):

==================  ==========================================================================
stream              events
==================  ==========================================================================
``plan:{id}``       plan.created, plan.stage_advanced, plan.published, commitment.created,
                    commitment.revision_opened, commitment.revision_closed,
                    plan.consultation_scheduled, input.hidden, plan.implementation_opened
``doc:{id}``        crdt.update (the first one, the title and meta, seeded by the server)
``org:{id}``        organisation.registered
``person:{id}``     person.invited, person.invitation_issued, person.invitation_accepted,
                    person.signed_out, person.deactivated
``wg:{id}``         working_group.created, working_group.member_added
``session:{id}``    session.opened, session.attendance_recorded, session.minutes_recorded,
                    session.closed
``input:{id}``      input.submitted, input.responded
``progress:{id}``   progress.reported, evidence.uploaded (one stream per commitment id)
``forum:{plan id}`` forum.member_added, forum.member_removed, forum.gates_set,
                    commitment.leads_set, signoff.recorded (``process.forum`` says why these
                    are not on the plan's stream)
``review:{doc id}`` comment.created, comment.replied, comment.edited, comment.resolved,
                    comment.reopened, suggestion.created, suggestion.decided (negotiation on
                    one commitment document: ``process.negotiation``)
==================  ==========================================================================

Commitments are recorded on their plan's stream so that a commitment can never be created
concurrently with a stage advance without one of the two noticing (optimistic concurrency).
The text is frozen at Final; a change after it is a revision of one commitment, opened by the
Secretariat with a reason and closed to record the commitment's next version (Final is
version 1, the first revision version 2, ...).

After Final the Secretariat opens the implementation period (``plan.implementation_opened``,
stage ``implementation``): not a stage advance, so it freezes no snapshot (Final's snapshot
stays the adopted text), and the co-creation stages end at Final (``next_stage``). A hidden
input's hiding is recorded on its plan's stream, so the audit bundle can give the plan's
record of it in full while giving the input's own stream as record hashes only.
"""

from __future__ import annotations

from enum import StrEnum

from events.catalog import register


class Stage(StrEnum):
    SETUP = "setup"
    DRAFT1 = "draft1"
    DRAFT2 = "draft2"
    DRAFT3 = "draft3"
    DRAFT4 = "draft4"
    FINAL = "final"
    IMPLEMENTATION = "implementation"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)
CO_CREATION: tuple[Stage, ...] = STAGE_ORDER[: STAGE_ORDER.index(Stage.FINAL) + 1]
ADOPTED: frozenset[Stage] = frozenset({Stage.FINAL, Stage.IMPLEMENTATION})
"""Stages in which the plan is adopted: its text is frozen (changes are revisions)."""

STAGE_NAMES: dict[Stage, tuple[str, str]] = {
    Stage.SETUP: ("Persiapan", "Setup"),
    Stage.DRAFT1: ("Draft Rencana Aksi 1", "Draft 1"),
    Stage.DRAFT2: ("Draft Rencana Aksi 2", "Draft 2"),
    Stage.DRAFT3: ("Draft Rencana Aksi 3", "Draft 3"),
    Stage.DRAFT4: ("Draft Rencana Aksi 4", "Draft 4"),
    Stage.FINAL: ("Rencana Aksi Final", "Final"),
    Stage.IMPLEMENTATION: ("Pelaksanaan", "Implementation"),
}


def next_stage(stage: Stage) -> Stage | None:
    """The next co-creation stage; None from Final on (implementation is opened, not
    advanced to)."""
    if stage not in CO_CREATION:
        return None
    index = CO_CREATION.index(stage)
    return CO_CREATION[index + 1] if index + 1 < len(CO_CREATION) else None


class Method(StrEnum):
    """Co-creation methods (Metode Ko-Kreasi)."""

    FD = "FD"  # formal discussion
    IW = "IW"  # internal workshop
    TC = "TC"  # tele-conference
    PC = "PC"  # public consultation, face to face
    PCD = "PCD"  # public consultation via the digital platform


class ResponseStatus(StrEnum):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    NOT_ACCEPTED = "not_accepted"
    OUT_OF_SCOPE = "out_of_scope"


class ProgressStatus(StrEnum):
    """The IRM's completion scale."""

    NOT_STARTED = "not_started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"


class ReportKind(StrEnum):
    PROGRESS = "progress"  # the lead agency's self-assessment: a status
    MONITORING = "monitoring"  # civil society's note; may dispute a progress report


CRITERIA = ("focus", "research", "plans", "experts")
"""Joining criteria of a working group (a) to (d): the organisation's work focuses on the
theme, it has done research or projects on it, it has plans on it, it has experts in it."""

PLAN_CREATED = register("plan.created")
PLAN_STAGE_ADVANCED = register("plan.stage_advanced")
PLAN_PUBLISHED = register("plan.published")
COMMITMENT_CREATED = register("commitment.created")
COMMITMENT_REVISION_OPENED = register("commitment.revision_opened")
COMMITMENT_REVISION_CLOSED = register("commitment.revision_closed")
ORGANISATION_REGISTERED = register("organisation.registered")
PERSON_INVITED = register("person.invited")
PERSON_INVITATION_ISSUED = register("person.invitation_issued")
PERSON_DEACTIVATED = register("person.deactivated")
PERSON_INVITATION_ACCEPTED = register("person.invitation_accepted")
PERSON_SIGNED_OUT = register("person.signed_out")
WORKING_GROUP_CREATED = register("working_group.created")
WORKING_GROUP_MEMBER_ADDED = register("working_group.member_added")
SESSION_OPENED = register("session.opened")
SESSION_ATTENDANCE_RECORDED = register("session.attendance_recorded")
SESSION_MINUTES_RECORDED = register("session.minutes_recorded")
SESSION_CLOSED = register("session.closed")
INPUT_SUBMITTED = register("input.submitted")
INPUT_RESPONDED = register("input.responded")
INPUT_HIDDEN = register("input.hidden")
PLAN_CONSULTATION_SCHEDULED = register("plan.consultation_scheduled")
PLAN_IMPLEMENTATION_OPENED = register("plan.implementation_opened")
PROGRESS_REPORTED = register("progress.reported")
EVIDENCE_UPLOADED = register("evidence.uploaded")
FORUM_MEMBER_ADDED = register("forum.member_added")
FORUM_MEMBER_REMOVED = register("forum.member_removed")
FORUM_GATES_SET = register("forum.gates_set")
COMMITMENT_LEADS_SET = register("commitment.leads_set")
SIGNOFF_RECORDED = register("signoff.recorded")
COMMENT_CREATED = register("comment.created")
COMMENT_REPLIED = register("comment.replied")
COMMENT_EDITED = register("comment.edited")
COMMENT_RESOLVED = register("comment.resolved")
COMMENT_REOPENED = register("comment.reopened")
SUGGESTION_CREATED = register("suggestion.created")
SUGGESTION_DECIDED = register("suggestion.decided")


def plan_stream(plan_id: str) -> str:
    return f"plan:{plan_id}"


def org_stream(org_id: str) -> str:
    return f"org:{org_id}"


def person_stream(person_id: str) -> str:
    return f"person:{person_id}"


def working_group_stream(group_id: str) -> str:
    return f"wg:{group_id}"


def session_stream(session_id: str) -> str:
    return f"session:{session_id}"


def input_stream(input_id: str) -> str:
    return f"input:{input_id}"


def document_stream(document_id: str) -> str:
    return f"doc:{document_id}"


def progress_stream(commitment_id: str) -> str:
    return f"progress:{commitment_id}"
def forum_stream(plan_id: str) -> str:
    return f"forum:{plan_id}"
def review_stream(document_id: str) -> str:
    return f"review:{document_id}"
