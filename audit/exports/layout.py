"""What goes where on the page: the OGI/OGP commitment template, independent of the format.

Per commitment, as in the OGP Support Unit's template adapted by OGI: the number and title,
start and end dates and the lead agency, the description in sections A to G, the milestones
table (activity with a verifiable deliverable, start, end, output, actors) and the contacts.
``word`` and ``pdf`` draw the same ``PlanDocument``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commitment.template import SECTIONS

from .labels import Labels
from .plan import CommitmentView, PlanView
from .richtext import Block, Run, parse
from .signoffs import annex


@dataclass(frozen=True, slots=True)
class CommitmentPage:
    heading: str
    overview: list[tuple[str, str]]  # (label, value): dates, lead agency
    description_title: str
    sections: list[tuple[str, list[Block]]]  # "A. ..." -> its blocks
    milestones_title: str
    milestone_header: list[str]
    milestone_rows: list[list[str]]
    contact_title: str
    contact_rows: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PlanDocument:
    language: str
    title: str
    subtitle: list[str]
    contents_title: str
    contents: list[str]
    pages: list[CommitmentPage]
    empty: str  # what an unfilled field shows
    verification_title: str
    verification: list[str]  # what it is and how to check it, then the note's lines
    footer: str
    annex_title: str = ""
    annex: list[str] = field(default_factory=list)  # sign-offs and objections, one a line


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items() if _text(v))
    return str(value).strip()


def _join(*parts: Any, sep: str = ", ") -> str:
    return sep.join(t for t in (_text(p) for p in parts) if t)


def _section_blocks(item: CommitmentView, name: str) -> list[Block]:
    section = item.content.sections.get(name)
    if section is None:
        return []
    blocks = parse(section.html) if section.html else []
    if not blocks and section.text.strip():
        blocks = [Block("p", runs=[Run(line)]) for line in section.text.splitlines()]
    return blocks


def _page(item: CommitmentView, labels: Labels) -> CommitmentPage:
    content = item.content
    meta = content.meta
    number = _text(meta.get("number")) or item.commitment.number
    title = content.title.strip() or item.commitment.title
    dates = _join(meta.get("start_date"), meta.get("end_date"), sep=" \u2013 ")
    lead = _text(meta.get("lead_agency"))
    milestone_rows = []
    for milestone in content.milestones:
        activity = _join(milestone.get("activity"), milestone.get("deliverable"), sep="\n")
        milestone_rows.append([
            activity,
            _text(milestone.get("start")),
            _text(milestone.get("end")),
            _text(milestone.get("output")),
            _text(milestone.get("actors")),
        ])
    contacts = content.contacts
    contact_rows = [
        (labels["contact_name"], _text(contacts.get("name"))),
        (labels["contact_title"], _join(contacts.get("title"), contacts.get("department"))),
        (labels["contact_reach"], _join(contacts.get("email"), contacts.get("phone"))),
        (f"{labels['others']}: {labels['government']}", _text(contacts.get("government"))),
        (f"{labels['others']}: {labels['others_society']}", _text(contacts.get("others"))),
    ]
    return CommitmentPage(
        heading=f"{labels['commitment']} {number}: {title} ({item.ogp_id})",
        overview=[(labels["dates"], dates), (labels["lead"], lead)],
        description_title=labels["description"],
        sections=[(labels.section(name), _section_blocks(item, name)) for name in SECTIONS],
        milestones_title=labels["milestones"],
        milestone_header=[labels["activity"], labels["start"], labels["end"], labels["output"],
                          labels["actors"]],
        milestone_rows=milestone_rows,
        contact_title=labels["contact"],
        contact_rows=contact_rows,
    )


def layout(view: PlanView, labels: Labels, generated: datetime) -> PlanDocument:
    state_label = labels["snapshot"] if view.snapshot else labels["current"]
    subtitle = [
        view.plan.period,
        f"{labels['stage']}: {labels.stage(view.stage)} \u2014 {state_label}",
        f"{labels['as_of']} {view.position} \u00b7 {labels['generated']} "
        f"{generated:%Y-%m-%d %H:%M} UTC",
    ]
    pages = [_page(item, labels) for item in view.commitments]
    checkpoint = view.checkpoint
    if checkpoint is None:
        verification = [labels["no_checkpoint"]]
    else:
        note = checkpoint.note().rstrip("\n").split("\n")
        intro = " ".join(labels[k] for k in ("checkpoint_intro", "verify_how",
                                             "newest_checkpoint"))
        verification = [intro, *note]
    return PlanDocument(
        language=labels.language,
        title=view.plan.title,
        subtitle=[line for line in subtitle if line],
        contents_title=labels["contents"],
        contents=[page.heading for page in pages],
        pages=pages,
        empty=labels["empty"],
        verification_title=labels["verification"],
        verification=verification,
        footer=f"{view.plan.title} \u00b7 {labels.stage(view.stage)}",
        annex_title=labels["signoffs"],
        annex=annex(view, labels),
    )
