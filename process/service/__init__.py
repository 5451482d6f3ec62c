"""The commands of the co-creation process (``ProcessService``), one module per group:
plans, people, commitments, revisions, sessions, public input, the consultation,
implementation, forum and sign-offs; ``core`` holds what they share.
"""

from __future__ import annotations

from .commitments import CommitmentCommands
from .consultation import ConsultationCommands
from .core import ANONYMOUS_ID, StageAdvancedHook, anonymous_actor, new_id
from .implementation import ImplementationCommands
from .inputs import InputCommands
from .people import PeopleCommands
from .plans import PlanCommands
from .revisions import RevisionCommands
from .sessions import SessionCommands
from .signoffs import SignOffCommands

__all__ = ["ANONYMOUS_ID", "ProcessService", "StageAdvancedHook", "anonymous_actor", "new_id"]


class ProcessService(
    PlanCommands,
    PeopleCommands,
    CommitmentCommands,
    RevisionCommands,
    SessionCommands,
    InputCommands,
    ConsultationCommands,
    ImplementationCommands,
    SignOffCommands,
):
    """Every command of the co-creation process."""
