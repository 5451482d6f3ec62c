"""Who contributed what, counted from the events of a bundle: the auditor's first look."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from events.record import RecordedEvent, Stakeholder

NO_STAGE = "(no stage)"


@dataclass(slots=True)
class Summary:
    events: int = 0
    people: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id: name, org, type
    organisations: dict[str, tuple[str, str]] = field(default_factory=dict)  # id: name, type
    by_stage: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )  # stage: organisation name: events
    by_type: Counter[str] = field(default_factory=Counter)

    def add(self, event: RecordedEvent) -> None:
        self.events += 1
        self.by_type[event.type] += 1
        actor = event.actor
        if actor.stakeholder is Stakeholder.SYSTEM:
            return  # the server's own records (checkpoints, migrations) are nobody's work
        self.people[actor.person_id] = (actor.name, actor.org_name, str(actor.stakeholder))
        self.organisations[actor.org_id] = (actor.org_name, str(actor.stakeholder))
        self.by_stage[event.context.stage or NO_STAGE][actor.org_name] += 1
