"""Presence carries the identity the server authenticated, never what a client claims."""

from __future__ import annotations

import json

from events.record import Actor, Stakeholder
from server.awareness import Entry, RoomAwareness, decode_update, encode_update

AYU = Actor("ayu", "Ayu", "icw", "ICW", Stakeholder.CSO)
BUDI = Actor("budi", "Budi", "sekretariat", "Sekretariat OGI", Stakeholder.SECRETARIAT)


def _update(*entries: tuple[int, int, object]) -> bytes:
    return encode_update(Entry(c, k, json.dumps(s)) for c, k, s in entries)


def test_the_user_field_is_replaced_by_the_server_known_identity() -> None:
    room = RoomAwareness()
    accepted = room.from_connection("a", AYU, _update(
        (10, 1, {"user": {"name": "Menteri", "color": "#000"}, "cursor": {"anchor": 3}})))
    state = json.loads(accepted[0].state)
    assert state["cursor"] == {"anchor": 3}
    assert state["user"]["name"] == "Ayu"
    assert state["user"]["organisation"] == "ICW"
    assert state["user"]["stakeholder"] == "cso"
    assert state["user"]["color"] == "#2e7d32"
    assert decode_update(encode_update(accepted)) == accepted


def test_a_connection_cannot_speak_for_another_connections_client_id() -> None:
    room = RoomAwareness()
    room.from_connection("a", AYU, _update((10, 1, {})))
    assert room.from_connection("b", BUDI, _update((10, 2, {}), (11, 1, {}))) == [
        Entry(11, 1, json.dumps({"user": {
            "id": "budi", "name": "Budi", "organisation": "Sekretariat OGI",
            "org_id": "sekretariat", "stakeholder": "secretariat", "color": "#6a1b9a"}},
            separators=(",", ":")))
    ]
    assert json.loads(room.current()[0].state)["user"]["name"] == "Ayu"


def test_leaving_removes_presence_with_a_higher_clock() -> None:
    room = RoomAwareness()
    room.from_connection("a", AYU, _update((10, 4, {})))
    assert room.remove_owner("a") == [Entry(10, 5, "null")]
    assert room.current() == []


def test_old_clocks_are_ignored() -> None:
    room = RoomAwareness()
    room.from_connection("a", AYU, _update((10, 4, {"x": 1})))
    assert room.from_connection("a", AYU, _update((10, 3, {"x": 2}))) == []


def test_a_client_id_bound_to_someone_elses_edits_cannot_carry_your_presence() -> None:
    room = RoomAwareness()
    owners = {10: "ayu"}
    accepted = room.from_connection("b", BUDI, _update((10, 1, {}), (11, 1, {})),
                                    lambda client_id: owners.get(client_id, "budi") == "budi")
    assert [entry.client_id for entry in accepted] == [11]


def test_a_client_id_stays_with_the_first_person_whose_presence_announced_it() -> None:
    room = RoomAwareness()
    stamped = room.from_connection("a", AYU, _update((10, 1, {"cursor": None})))
    assert room.person_of(10) == "ayu" and room.person_of(11) is None
    other = RoomAwareness()  # another instance relays what this one stamped
    other.from_remote(("instance", "one"), stamped)
    other.from_remote(("instance", "one"), [Entry(10, 2, "null")])  # Ayu left there
    assert other.person_of(10) == "ayu"
    gone = room.remove_owner("a")
    # Budi's y-websocket client echoes Ayu's presence and its end: neither becomes his.
    assert room.from_connection("b", BUDI, encode_update([*stamped, *gone])) == []
    assert room.from_connection("b", BUDI, _update((10, 9, {"cursor": 1}))) == []
    assert room.person_of(10) == "ayu"
    assert room.from_connection("b", BUDI, _update((12, 1, {})))  # his own: fine
    assert room.person_of(12) == "budi"
