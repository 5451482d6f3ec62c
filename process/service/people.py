"""The process commands on organisations and people."""

from __future__ import annotations

from events.errors import ConcurrencyError
from events.record import Actor, Context, NewEvent, Stakeholder
from events.store import ANY_VERSION

from .. import domain as d
from ..errors import Conflict, Invalid, Unavailable
from ..invitations import (
    INVALID_INVITATION,
    USED_INVITATION,
    InvalidInvitation,
    Invitation,
    sign_invitation,
)
from ..records import Organisation, Person
from ..state import ProcessState
from .core import COMMIT_ATTEMPTS, ServiceCore, _text, new_id


class PeopleCommands(ServiceCore):
    """Organisations and people: registered, invited, signed in and out, deactivated."""

    async def register_organisation(
        self, actor: Actor | None, name: str, stakeholder: str, org_id: str | None = None
    ) -> Organisation:
        who, state = await self._manager(actor)
        try:
            kind = Stakeholder(stakeholder)
        except ValueError:
            kind = Stakeholder.SYSTEM
        if kind is Stakeholder.SYSTEM:
            raise Invalid("stakeholder must be one of cso, kldi, secretariat, public, auditor")
        org_id = self._new_id(org_id, state.organisations, "organisation")
        payload = {"org_id": org_id, "name": _text(name, "name"), "stakeholder": str(kind)}
        await self._append(d.org_stream(org_id), d.ORGANISATION_REGISTERED, payload, who,
                           Context(), state)
        return state.organisations[org_id]

    async def invite_person(
        self, actor: Actor | None, name: str, org_id: str, contact: str | None = None,
        person_id: str | None = None,
    ) -> tuple[Person, str]:
        """Record the person and return them with their signed invitation token."""
        who, state = await self._manager(actor)
        self.organisation(state, org_id)
        person_id = self._new_id(person_id, state.people, "person")
        invitation_id = new_id()
        payload = {
            "person_id": person_id, "name": _text(name, "name"), "org_id": org_id,
            "contact_sealed": self.sealer.seal(contact) if contact else None,
            "invitation_id": invitation_id,
        }
        await self._append(d.person_stream(person_id), d.PERSON_INVITED, payload, who,
                           Context(), state)
        return state.people[person_id], sign_invitation(self.secret_key, person_id,
                                                        invitation_id)

    async def reissue_invitation(self, actor: Actor | None, person_id: str) -> str:
        """A new link for the person; their earlier links stop working."""
        who, state = await self._manager(actor)
        person = self.person(state, person_id)
        if not person.active:
            raise Conflict("this person is deactivated", code="deactivated")
        invitation_id = new_id()
        await self._append(d.person_stream(person_id), d.PERSON_INVITATION_ISSUED,
                           {"person_id": person_id, "invitation_id": invitation_id}, who,
                           Context(), state)
        return sign_invitation(self.secret_key, person_id, invitation_id)

    async def check_invitation(self, invitation: Invitation) -> Actor:
        """Who the invitation signs in, without using it; raises ``InvalidInvitation``."""
        return self._invited(await self.state(), invitation)

    async def accept_invitation(self, invitation: Invitation) -> Actor:
        """Use a person's invitation link, once: the actor it signs in.

        Raises ``InvalidInvitation`` for a link that is not the person's newest, of a person
        deactivated, or already used (``used_invitation``). Two uses at once, on any instances,
        append to the same stream version: one wins, the other finds the link used."""
        for _ in range(COMMIT_ATTEMPTS):
            state = await self.state()
            who = self._invited(state, invitation)
            stream = d.person_stream(who.person_id)
            event = NewEvent(d.PERSON_INVITATION_ACCEPTED, {
                "person_id": who.person_id, "invitation_id": invitation.invitation_id}, who,
                Context())
            try:
                await self._write(stream, [event], state.version_of(stream))
                return who
            except ConcurrencyError:
                await self._catch_up()  # see what won: a use of the link, or another change
        raise Unavailable("the invitation could not be recorded; try again")

    @staticmethod
    def _invited(state: ProcessState, invitation: Invitation) -> Actor:
        person = state.people.get(invitation.person_id)
        org = state.organisations.get(person.org_id) if person is not None else None
        if (person is None or org is None or not person.active
                or person.invitation_id != invitation.invitation_id):
            raise InvalidInvitation(
                "Tautan undangan ini tidak berlaku lagi / this invitation link is no longer "
                "valid; ask the Secretariat for a new one", INVALID_INVITATION)
        if person.invitation_used:
            raise InvalidInvitation(
                "Tautan undangan ini sudah dipakai; mintalah tautan baru kepada Sekretariat / "
                "this invitation link has already been used; ask the Secretariat for a new one",
                USED_INVITATION)
        return Actor(person.id, person.name, org.id, org.name, org.stakeholder)

    async def sign_out(self, actor: Actor) -> None:
        """End every session of ``actor`` issued until now, on every instance."""
        event = NewEvent(d.PERSON_SIGNED_OUT, {"person_id": actor.person_id}, actor, Context())
        # Any version: a sign-out never conflicts, and ends what was issued before it anyway.
        await self._write(d.person_stream(actor.person_id), [event], ANY_VERSION)

    async def deactivate_person(self, actor: Actor | None, person_id: str, reason: str) -> Person:
        who, state = await self._manager(actor)
        person = self.person(state, person_id)
        if not person.active:
            return person  # already so; nothing to record
        await self._append(d.person_stream(person_id), d.PERSON_DEACTIVATED,
                           {"person_id": person_id, "reason": reason}, who, Context(), state)
        return person
