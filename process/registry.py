"""Who is calling, in the registry's words: a principal turned into the log's current actor.

The one place a sign-in becomes an actor, for the live server's access decisions (``policy``),
the process API and every other HTTP route (``identity.auth.current_actor``, through the
resolver the composition root hands down): the decision itself is ``ProcessState.actor_for``.
"""

from __future__ import annotations

from events.errors import EventStoreError
from events.record import Actor
from events.store import EventStore
from identity.access import Principal, SignInRefused

from .domain import org_stream, person_stream
from .runtime import ProcessRuntime, StateUnavailable
from .state import fold

UNAVAILABLE = (
    "Data proses tidak dapat dibaca saat ini; coba lagi / the process state cannot be read "
    "right now; try again"
)


class Registry:
    """An ``identity.auth.ActorResolver`` over the process state folded from the log."""

    def __init__(self, runtime: ProcessRuntime) -> None:
        self.runtime = runtime

    async def __call__(self, principal: Principal) -> Actor:
        try:
            state = await self.runtime.ready()
        except (StateUnavailable, EventStoreError):
            raise SignInRefused("unavailable", UNAVAILABLE, status=503) from None
        return state.actor_for(principal.actor)


class UnknownPerson(LookupError):
    """No such person in the registry, or they are deactivated; the message says which."""


async def registered_person(store: EventStore, person_id: str) -> Actor:
    """A registered, active person as the log knows them, read from their person and
    organisation streams alone (not a fold of the whole log): ``kokreasi token --person``."""
    events = await store.read_stream(person_stream(person_id))
    person = fold(events).people.get(person_id)
    if person is None:
        raise UnknownPerson(f"no registered person has the id {person_id!r}")
    organisation = await store.read_stream(org_stream(person.org_id))
    state = fold(sorted([*events, *organisation], key=lambda e: e.position))
    actor = state.registered(person_id)
    if actor is None:
        raise UnknownPerson(f"person {person_id!r} belongs to no registered organisation")
    if not state.people[person_id].active:
        raise UnknownPerson(f"person {person_id!r} is deactivated")
    return actor
