"""The demo: a plan in Draft 1 with real-looking commitments, seeded once into the log.

``seed_demo`` is idempotent: run again on the same log, it appends nothing but a new
invitation for each person whose link was used (a link signs in once), and returns a sign-in
link per role. Creating a commitment seeds its title,
number, dates and lead agency (under the Secretariat, like any commitment), its lead
organisations, the forum and the gate rules (``demo_content.GATES``); the rest of its
text enters the log as ``crdt.update`` events under the person who wrote it, as if typed in
the editor on top of that seed.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc, Map, XmlElement, XmlFragment, XmlText

from events.catalog import CRDT_UPDATE
from events.record import Actor, Context, NewEvent
from events.store import EventStore

from . import demo_content as content
from .domain import Stage, document_stream
from .invitations import sign_invitation
from .runtime import ProcessRuntime
from .seed import new_client_id
from .service import ProcessService
from .state import ProcessState

SEEDED_META = ("start_date", "end_date", "lead_agency")
"""Meta the server seeds when the commitment is created; the author types the rest."""


async def seed_demo(store: EventStore, secret_key: bytes) -> dict[str, str]:
    """Seed the demo plan (unless present); return role -> invitation URL path."""
    runtime = ProcessRuntime(store)
    try:
        service = ProcessService(runtime, secret_key)
        state = await runtime.ready()
        if content.PLAN_ID not in state.plans:
            await _seed(service, state)
        for person_id, _, _, _ in content.PEOPLE:
            if state.people[person_id].invitation_used:
                await service.reissue_invitation(Actor.system(), person_id)
        return {
            role: "/invite/" + sign_invitation(
                secret_key, person_id, state.people[person_id].invitation_id
            )
            for person_id, _, _, role in content.PEOPLE
        }
    finally:
        await runtime.close()


async def _seed(service: ProcessService, state: ProcessState) -> None:
    system = Actor.system()
    for org_id, name, stakeholder in content.ORGANISATIONS:
        if org_id not in state.organisations:
            await service.register_organisation(system, name, stakeholder, org_id)
    for person_id, name, org_id, _ in content.PEOPLE:
        if person_id not in state.people:
            await service.invite_person(system, name, org_id, f"{person_id}@example.org",
                                        person_id)
    secretariat = state.registered(content.PEOPLE[0][0])
    assert secretariat is not None
    await service.create_plan(secretariat, content.PLAN_TITLE, content.PLAN_PERIOD,
                              content.PLAN_ID)
    for group in content.WORKING_GROUPS:
        await service.create_working_group(secretariat, content.PLAN_ID, group["theme"],
                                           group["description"], group["id"])
        for org_id, criteria in group["members"]:
            await service.add_member(secretariat, group["id"], org_id, None, criteria)
    for item in content.COMMITMENTS:
        await service.create_commitment(
            secretariat, content.PLAN_ID, item["group"], item["title"], item["number"],
            item["id"], f"{content.PLAN_ID}-{item['id']}",
            **{key: item["meta"].get(key) for key in SEEDED_META},
        )
    for item in content.COMMITMENTS:
        await service.set_lead_organisations(secretariat, item["id"], item["leads"])
    for person_id in content.FORUM:
        await service.add_forum_member(secretariat, content.PLAN_ID, person_id)
    await service.set_gates(secretariat, content.PLAN_ID, content.GATES, None)
    plan = state.plans[content.PLAN_ID]
    await service.advance_stage(secretariat, plan.id, str(Stage.SETUP), acknowledge=True)
    for item in content.COMMITMENTS:
        author = state.registered(item["author"])
        assert author is not None
        commitment = state.commitments[item["id"]]
        await _write_document(service.runtime.store, commitment.document_id, item, author,
                              Context(plan.id, str(plan.stage)))


async def _write_document(
    store: EventStore, document_id: str, item: dict[str, Any], author: Actor, context: Context
) -> None:
    """Type the rest of the commitment into its seeded document, one part per update."""
    # A 32-bit client id, as a browser's: pycrdt's default can be larger, which readers that
    # keep ids in 32 bits (y-py) rewrite, and then send the whole text back as new.
    doc: Doc[Any] = Doc(client_id=new_client_id())
    stream = document_stream(document_id)
    seeded = await store.read_stream(stream)
    for event in seeded:
        doc.apply_update(event.payload)
    updates: list[bytes] = []

    def step() -> None:
        updates.append(doc.get_update(state))

    state = doc.get_state()
    meta = doc.get("meta", type=Map)
    for key, value in item["meta"].items():
        if key not in SEEDED_META:
            meta[key] = Array(value) if isinstance(value, list) else value
    step()
    for section, paragraphs in item["sections"].items():
        state = doc.get_state()
        fragment = doc.get(section, type=XmlFragment)
        for text in paragraphs:
            element = XmlElement("paragraph")
            fragment.children.append(element)
            element.children.append(XmlText(text))
        step()
    state = doc.get_state()
    milestones = doc.get("milestones", type=Array)
    for milestone in item["milestones"]:
        milestones.append(Map(milestone))
    doc.get("contacts", type=Map).update(item["contacts"])
    step()
    events = [NewEvent(CRDT_UPDATE, update, author, context) for update in updates]
    await store.append(stream, events, expected_version=len(seeded))
