"""A plan taken from setup to Final through the real process service, with live document
edits by CSOs, ministries and the Secretariat, a teleconference, public input with a reasoned
response, and a signed checkpoint at every stage advance. Demo text in our own words from the
public facts of Indonesia's commitments ID0121 and ID0141."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

import events
from audit.checkpoints import create_checkpoint
from audit.keys import Signer
from events.record import Actor, Context, NewEvent, Stakeholder
from process.runtime import ProcessRuntime
from process.service import ProcessService

SECRET = b"a-test-secret-of-enough-length-0123"
PLAN = "ran-ogi-vii"

SECRETARIAT = Actor("dewi", "Dewi Lestari", "ogi", "Sekretariat OGI", Stakeholder.SECRETARIAT)
TII = Actor("rina", "Rina Siregar", "tii", "Transparency International Indonesia",
            Stakeholder.CSO)
SUARISE = Actor("budi", "Budi Santoso", "suarise", "Suarise", Stakeholder.CSO)
KEMENSOS = Actor("sari", "Sari Wulandari", "kemensos", "Kementerian Sosial", Stakeholder.KLDI)
BAPPENAS = Actor("agus", "Agus Pratama", "bappenas", "Kementerian PPN/Bappenas",
                 Stakeholder.KLDI)


class Commitment:
    """A commitment document edited live; each change is one ``crdt.update`` event. Each
    person edits a copy of their own, as in a browser of their own: a Yjs client id of
    their own, so the log binds each person's text to them."""

    def __init__(self, store: events.EventStore, document_id: str, commitment_id: str) -> None:
        self.store = store
        self.document_id = document_id
        self.commitment_id = commitment_id
        self.doc: Doc[Any] = Doc()  # the copy of whoever edits now
        self.copies: dict[str, tuple[Doc[Any], int]] = {}  # person -> copy, version seen

    def retitle(self, title: str) -> None:
        """Replace the title the server seeded when the commitment was created."""
        root = self.title()
        del root[0 : len(root)]
        root.insert(0, title)

    def title(self) -> Text:
        root: Text = self.doc.get("title", type=Text)
        return root

    def meta(self) -> Map[Any]:
        return self.meta_like("meta")

    def milestones(self) -> Array[Any]:
        root: Array[Any] = self.doc.get("milestones", type=Array)
        return root

    def contacts(self) -> Map[Any]:
        return self.meta_like("contacts")

    def meta_like(self, name: str) -> Map[Any]:
        root: Map[Any] = self.doc.get(name, type=Map)
        return root

    def section(self, name: str) -> XmlFragment:
        root: XmlFragment = self.doc.get(name, type=XmlFragment)
        return root

    def paragraph(self, name: str, text: str, bold: str = "") -> None:
        node = XmlText(text)
        self.section(name).children.append(XmlElement("paragraph", {}, [node]))
        if bold:
            node.insert(len(node), bold, {"bold": True})

    def bullets(self, name: str, items: list[str]) -> None:
        self.section(name).children.append(XmlElement("bulletList", {}, [
            XmlElement("listItem", {}, [XmlElement("paragraph", {}, [XmlText(item)])])
            for item in items
        ]))

    async def edit(self, actor: Actor, stage: str, change: Callable[[Commitment], object],
                   session: str | None = None) -> int:
        doc, seen = self.copies.get(actor.person_id) or (Doc(), 0)
        # Catch up with the log first, as an editor does (its own updates apply as no-ops).
        for event in await self.store.read_stream(f"doc:{self.document_id}",
                                                  after_version=seen):
            doc.apply_update(event.payload)
            seen = event.stream_version
        self.copies[actor.person_id] = (doc, seen)
        self.doc = doc
        before = self.doc.get_state()
        change(self)
        update = self.doc.get_update(before)
        positions = await self.store.append(f"doc:{self.document_id}", [
            NewEvent("crdt.update", update, actor, Context(PLAN, stage, session))
        ])
        return positions[0]


@dataclass
class Story:
    store: events.EventStore
    service: ProcessService
    runtime: ProcessRuntime
    signer: Signer
    welfare: Commitment
    access: Commitment
    input_id: str = ""
    positions: dict[str, int] = field(default_factory=dict)


async def advance(story: Story, stage: str) -> None:
    await story.service.advance_stage(SECRETARIAT, PLAN, stage, True)
    await create_checkpoint(story.store, story.signer)


async def tell(store: events.EventStore, signer: Signer) -> Story:
    runtime = ProcessRuntime(store)
    service = ProcessService(runtime, SECRET)
    s = SECRETARIAT
    await service.create_plan(s, "Rencana Aksi Nasional OGI VII", "2023-2024", PLAN)
    for actor in (SECRETARIAT, TII, SUARISE, KEMENSOS, BAPPENAS):
        await service.register_organisation(s, actor.org_name, str(actor.stakeholder),
                                            actor.org_id)
        await service.invite_person(s, actor.name, actor.org_id, person_id=actor.person_id)
    await service.register_organisation(s, "IRM", "auditor", "irm")
    await service.create_working_group(s, PLAN, "Data terbuka", group_id="wg-data")
    for actor in (TII, SUARISE, KEMENSOS, BAPPENAS):
        await service.add_member(s, "wg-data", actor.org_id, None,
                                 {"focus": "works on open data"})
    await service.create_commitment(s, PLAN, "wg-data", "Data kesejahteraan sosial",
                                    number="1", commitment_id="c-welfare",
                                    document_id="d-welfare")
    await service.create_commitment(s, PLAN, "wg-data", "Aksesibilitas digital",
                                    number="2", commitment_id="c-access",
                                    document_id="d-access")
    story = Story(store, service, runtime, signer,
                  Commitment(store, "d-welfare", "c-welfare"),
                  Commitment(store, "d-access", "c-access"))
    await advance(story, "setup")  # -> draft1

    w, a = story.welfare, story.access
    await w.edit(TII, "draft1", lambda c: c.retitle(
        "Make social welfare data more transparent"))
    await w.edit(TII, "draft1", lambda c: c.paragraph(
        "problem", "Social assistance often misses eligible families because the welfare "
        "register is ", bold="closed to public scrutiny."))
    await w.edit(TII, "draft1", lambda c: c.paragraph(
        "commitment", "Publish the integrated social welfare data with a public complaint "
        "channel for wrong entries."))
    await a.edit(SUARISE, "draft1", lambda c: c.retitle(
        "Digital accessibility guidelines for persons with disabilities"))
    await service.open_session(s, PLAN, "TC", "2023-03-12", "Telekonferensi draf 1",
                               session_id="tc-0312")
    await service.record_attendance(s, "tc-0312", ["tii", "suarise", "ogi"])
    await w.edit(TII, "draft1", lambda c: c.bullets(
        "solution", ["Open the data dictionary", "Quarterly publication by region"]),
        session="tc-0312")
    await service.record_minutes(s, "tc-0312", "Agreed to split publication by region.")
    await service.close_session(s, "tc-0312")
    await advance(story, "draft1")  # -> draft2

    def milestones(c: Commitment) -> None:
        c.meta().update({"number": "1", "ogp_id": "ID0121", "start_date": "2023-01-01",
                         "end_date": "2024-06-30"})
        c.milestones().append(Map({
            # Prose fields are Y.Text, as the web app writes them (docs/contracts.md).
            "activity": Text("Publish the DTKS data dictionary"),
            "deliverable": Text("Dictionary online"),
            "start": "2023-01-01", "end": "2023-06-30", "output": "Data dictionary",
            "actors": "Kementerian Sosial, TII"}))
        c.milestones().append(Map({
            "activity": "Open a complaint channel", "deliverable": "Channel live",
            "start": "2023-07-01", "end": "2024-06-30", "output": "Complaint channel",
            "actors": "Kementerian Sosial"}))

    await w.edit(TII, "draft2", milestones)
    await advance(story, "draft2")  # -> draft3

    await w.edit(KEMENSOS, "draft3", lambda c: c.meta().update(
        {"lead_agency": Text("Kementerian Sosial")}))
    await w.edit(KEMENSOS, "draft3", lambda c: c.paragraph(
        "lead_agency", "Kementerian Sosial, Pusat Data dan Informasi Kesejahteraan Sosial"))
    await w.edit(BAPPENAS, "draft3", lambda c: c.paragraph(
        "alignment", "RPJMN 2020-2024 social protection reform; Stranas PK."))
    await w.edit(KEMENSOS, "draft3", lambda c: c.contacts().update({
        "name": Text("Sari Wulandari"), "title": "Head of data", "department": "Pusdatin",
        "email": "data@kemensos.example", "phone": "+62 21 000 000",
        "government": "Bappenas", "others": "TII, Perkumpulan Prakarsa"}))
    await advance(story, "draft3")  # -> draft4

    await service.publish(s, PLAN, None)
    item = await service.submit_input(None, "c-welfare", "Publish the data every month.",
                                      {"section": "commitment"}, name="Warga",
                                      organisation="")
    story.input_id = item.id
    change = await w.edit(TII, "draft4", lambda c: c.paragraph(
        "ogp_values", "Transparency: the register becomes public."))
    await runtime.wait_for(change)  # the edit went straight to the log, not through the service
    await service.respond(s, item.id, "partly", "Quarterly instead of monthly: the "
                          "regions update their data every quarter.", change)
    await advance(story, "draft4")  # -> final
    return story
