"""A real log with two plans' history: live CRDT edits by CSOs, ministries and the
Secretariat across stages, domain events, and checkpoints between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc, Map, Text

import events
from audit.checkpoints import create_checkpoint
from audit.keys import Signer
from events import catalog
from events.record import Actor, Context, NewEvent, Stakeholder

# The process module registers these; registering the same names again is a no-op.
PLAN_CREATED = catalog.register("plan.created")
PLAN_STAGE_ADVANCED = catalog.register("plan.stage_advanced")
INPUT_SUBMITTED = catalog.register("input.submitted")

PLAN = "ran-ogi-vii"
OTHER_PLAN = "ran-ogi-viii"

TII = Actor("p-rina", "Rina Siregar", "o-tii", "Transparency International Indonesia",
            Stakeholder.CSO)
INFID = Actor("p-budi", "Budi Santoso", "o-infid", "INFID", Stakeholder.CSO)
BAPPENAS = Actor("p-sari", "Sari Wulandari", "o-bappenas", "Kementerian PPN/Bappenas",
                 Stakeholder.KLDI)
SECRETARIAT = Actor("p-dewi", "Dewi Lestari", "o-ogi", "Sekretariat OGI",
                    Stakeholder.SECRETARIAT)


class LiveDoc:
    """A pycrdt document whose every change becomes one ``crdt.update`` event."""

    def __init__(self, store: events.EventStore, document_id: str, plan: str) -> None:
        self.store = store
        self.stream = f"doc:{document_id}"
        self.plan = plan
        self.doc: Doc[Any] = Doc()
        self.title = self.doc.get("title", type=Text)
        self.meta = self.doc.get("meta", type=Map)
        self.milestones = self.doc.get("milestones", type=Array)

    async def edit(self, actor: Actor, stage: str, change: object) -> None:
        before = self.doc.get_state()
        assert callable(change)
        change(self)
        update = self.doc.get_update(before)
        await self.store.append(self.stream, [
            NewEvent("crdt.update", update, actor, Context(self.plan, stage, None))
        ])


@dataclass
class History:
    store: events.EventStore
    signer: Signer
    data_dir: Path
    database_url: str
    docs: dict[str, LiveDoc] = field(default_factory=dict)


async def write_history(store: events.EventStore, signer: Signer) -> dict[str, LiveDoc]:
    """Two plans interleaved in one log, with a checkpoint at each stage advance."""
    async def domain(stream: str, type_: str, payload: object, actor: Actor, plan: str,
                     stage: str) -> None:
        await store.append(stream, [NewEvent(type_, payload, actor, Context(plan, stage))])

    await domain(f"plan:{PLAN}", PLAN_CREATED, {"title": "RAN OGI VII"}, SECRETARIAT, PLAN,
                 "setup")
    await domain(f"plan:{OTHER_PLAN}", PLAN_CREATED, {"title": "Private draft"}, SECRETARIAT,
                 OTHER_PLAN, "setup")
    await domain(f"plan:{PLAN}", PLAN_STAGE_ADVANCED, {"to": "draft1"}, SECRETARIAT, PLAN,
                 "draft1")
    await create_checkpoint(store, signer, context=Context(PLAN, "draft1"))

    welfare = LiveDoc(store, "c-id0121", PLAN)
    secret = LiveDoc(store, "c-secret", OTHER_PLAN)
    await welfare.edit(TII, "draft1", lambda d: d.title.insert(0, "Social welfare data"))
    await secret.edit(SECRETARIAT, "draft1", lambda d: d.title.insert(0, "Confidential idea"))
    await welfare.edit(INFID, "draft1", lambda d: d.meta.update({"number": "1"}))
    await welfare.edit(TII, "draft1", lambda d: d.title.insert(len(d.title), " made open"))
    await domain(f"plan:{PLAN}", PLAN_STAGE_ADVANCED, {"to": "draft3"}, SECRETARIAT, PLAN,
                 "draft3")
    await create_checkpoint(store, signer, context=Context(PLAN, "draft3"))

    def add_milestone(d: LiveDoc) -> None:
        d.milestones.append(Map({"activity": "Publish the DTKS data dictionary"}))

    await welfare.edit(BAPPENAS, "draft3", add_milestone)
    await secret.edit(SECRETARIAT, "draft3", lambda d: d.title.insert(0, "Still secret: "))
    await welfare.edit(SECRETARIAT, "draft3", lambda d: d.title.insert(0, "ID0121 "))
    await domain(f"input:{PLAN}-1", INPUT_SUBMITTED, {"text": "Publish monthly"}, INFID, PLAN,
                 "draft3")
    return {"welfare": welfare, "secret": secret}




def run_cli(*argv: str) -> int:
    """Run ``kokreasi audit ...`` in this process (only the audit commands are loaded)."""
    import argparse

    from kokreasi.commands import audit as commands

    parser = argparse.ArgumentParser(prog="kokreasi")
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code
