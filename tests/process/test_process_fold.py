"""The pure parts: the fold of domain events, rate limits, invitation links, contacts."""

from __future__ import annotations

from typing import Any

import pytest

from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    seal,
    utc_now,
)
from identity.access import SignInRefused
from process import domain as d
from process.errors import RateLimited
from process.invitations import InvalidInvitation, read_invitation, sign_invitation
from process.privacy import ContactSealer
from process.proxies import TrustedProxies
from process.ratelimit import Limits, RateLimiter
from process.state import ProcessState, fold

ADMIN = Actor("admin", "Admin", "sekretariat", "Sekretariat OGI", Stakeholder.SECRETARIAT)
SECRET = b"fold-test-secret-0123456789"


class Log:
    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []
        self.versions: dict[str, int] = {}

    def add(self, stream: str, type_: str, payload: dict[str, Any],
            actor: Actor = ADMIN) -> RecordedEvent:
        self.versions[stream] = self.versions.get(stream, 0) + 1
        event = seal(position=len(self.events) + 1, stream_id=stream,
                     stream_version=self.versions[stream],
                     new=NewEvent(type_, payload, actor, Context()),
                     payload_format=PayloadFormat.JSON, payload=canonical_json(payload),
                     recorded_at=utc_now(), prev_hash=GENESIS_HASH)
        self.events.append(event)
        return event


def sample_log() -> Log:
    log = Log()
    log.add("plan:p", d.PLAN_CREATED, {"plan_id": "p", "title": "RAN", "stage": "setup"})
    log.add("org:oms", d.ORGANISATION_REGISTERED,
            {"org_id": "oms", "name": "TII", "stakeholder": "cso"})
    log.add("person:ayu", d.PERSON_INVITED, {"person_id": "ayu", "name": "Ayu",
                                             "org_id": "oms", "invitation_id": "i1"})
    log.add("wg:w", d.WORKING_GROUP_CREATED, {"working_group_id": "w", "plan_id": "p",
                                              "theme": "Data"})
    log.add("wg:w", d.WORKING_GROUP_MEMBER_ADDED, {"working_group_id": "w", "org_id": "oms",
                                                   "person_id": None,
                                                   "criteria": {"focus": "data"}})
    log.add("plan:p", d.COMMITMENT_CREATED, {"commitment_id": "c", "plan_id": "p",
                                             "working_group_id": "w", "number": "1",
                                             "title": "T", "document_id": "doc1"})
    log.add("plan:p", d.PLAN_STAGE_ADVANCED, {"plan_id": "p", "from": "setup",
                                              "to": "draft1", "warnings": []})
    return log


def test_fold_builds_the_process_state() -> None:
    log = sample_log()
    state = fold(log.events)
    assert state.position == 7 and state.version_of("plan:p") == 3
    assert state.plans["p"].stage is d.Stage.DRAFT1
    assert state.plans["p"].history[0].position == 7
    assert state.documents == {"doc1": "c"}
    stale = Actor("ayu", "someone else", "oms", "x", Stakeholder.CSO)
    current = state.actor_for(stale)  # names come from the log
    assert current == Actor("ayu", "Ayu", "oms", "TII", Stakeholder.CSO)
    assert state.is_member(current, "w")
    assert state.next_number("p") == "2"


def test_fold_is_deterministic_and_ignores_repeats_and_oddities() -> None:
    log = sample_log()
    log.add("wg:x", d.WORKING_GROUP_MEMBER_ADDED, {"working_group_id": "missing",
                                                   "org_id": "oms"})
    log.add("plan:q", d.PLAN_CREATED, {"plan_id": "q"})  # no title: a payload we cannot read
    once = fold(log.events)
    state = ProcessState()
    for event in log.events + log.events:
        state.apply(event)
    assert state.position == once.position == 9
    assert set(state.plans) == set(once.plans) == {"p"}


def test_access_relevant_events_are_reported() -> None:
    log = sample_log()
    state = ProcessState()
    changed = [state.apply(e) for e in log.events]
    assert changed == [True, True, True, False, True, True, True]


def test_sessions_tag_only_attending_organisations() -> None:
    log = sample_log()
    log.add("session:s", d.SESSION_OPENED, {"session_id": "s", "plan_id": "p", "method": "TC",
                                            "date": "2024-03-12", "title": "TC"})
    state = fold(log.events)
    assert state.open_session_for("p", "oms") is None
    log.add("session:s", d.SESSION_ATTENDANCE_RECORDED, {"session_id": "s", "org_ids": ["oms"]})
    assert fold(log.events).open_session_for("p", "oms") is not None
    log.add("session:s", d.SESSION_CLOSED, {"session_id": "s"})
    assert fold(log.events).open_session_for("p", "oms") is None


def test_deactivated_people_resolve_to_nobody() -> None:
    log = sample_log()
    log.add("person:ayu", d.PERSON_DEACTIVATED, {"person_id": "ayu", "reason": "left"})
    state = fold(log.events)
    with pytest.raises(SignInRefused) as refused:
        state.actor_for(Actor("ayu", "Ayu", "oms", "TII", Stakeholder.CSO))
    assert refused.value.code == "deactivated" and " / " in refused.value.message
    assert state.registered("ayu") == Actor("ayu", "Ayu", "oms", "TII", Stakeholder.CSO)
    script = Actor("bot", "Script", "sekretariat", "Sekretariat OGI", Stakeholder.SECRETARIAT)
    assert state.actor_for(script) == script  # unknown to the log: the signed token speaks


@pytest.mark.parametrize("claims", [
    Actor("ayu", "Ayu", "irm", "IRM", Stakeholder.AUDITOR),  # kokreasi token --name Ayu ...
    Actor("ayu", "Ayu", "oms", "TII", Stakeholder.SECRETARIAT),
    Actor("ayu", "Ayu", "other", "TII", Stakeholder.CSO),
])
def test_claims_the_registry_contradicts_are_refused(claims: Actor) -> None:
    state = fold(sample_log().events)
    with pytest.raises(SignInRefused) as refused:
        state.actor_for(claims)
    assert refused.value.code == "claims_disagree"
    assert "Organisasi/peran" in refused.value.message  # Indonesian / English
    assert "organisation or role" in refused.value.message


def test_rate_limiter_per_client_and_in_total() -> None:
    now = [0.0]
    limiter = RateLimiter(Limits(per_client=2, per_client_window_s=60, total=3,
                                      total_window_s=60), clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(RateLimited) as too_many:
        limiter.take("a")
    assert too_many.value.retry_after_s == 30
    limiter.take("b")
    with pytest.raises(RateLimited):
        limiter.take("c")  # the total is spent, though c never sent anything
    now[0] = 30.0
    limiter.take("a")


def test_invitation_links_are_signed_and_expire() -> None:
    token = sign_invitation(SECRET, "ayu", "i1", now=1000.0, lifetime_s=60)
    invitation = read_invitation(SECRET, token, now=1030.0)
    assert (invitation.person_id, invitation.invitation_id) == ("ayu", "i1")
    with pytest.raises(InvalidInvitation, match="expired"):
        read_invitation(SECRET, token, now=2000.0)
    with pytest.raises(InvalidInvitation):
        read_invitation(b"another-secret-0123456789", token, now=1030.0)
    body, timestamp, signature = token.rsplit(".", 2)
    with pytest.raises(InvalidInvitation):
        read_invitation(SECRET, f"{body}x.{timestamp}.{signature}", now=1030.0)


def test_links_and_contacts_of_a_rotated_secret_still_open() -> None:
    retired = b"the-retired-secret-0123456789"
    link = sign_invitation(retired, "ayu", "i1", now=1000.0, lifetime_s=60)
    assert read_invitation(SECRET, link, now=1030.0, previous=[retired]).person_id == "ayu"
    with pytest.raises(InvalidInvitation):
        read_invitation(SECRET, link, now=1030.0)
    sealed = ContactSealer(retired).seal("ayu@example.org")
    assert ContactSealer(SECRET, previous=[retired]).open(sealed) == "ayu@example.org"
    assert ContactSealer(SECRET).open(sealed) is None


def test_contacts_are_sealed() -> None:
    sealer = ContactSealer(SECRET)
    sealed = sealer.seal("ayu@example.org")
    assert "ayu" not in sealed and sealer.open(sealed) == "ayu@example.org"
    assert ContactSealer(b"another-secret-0123456789").open(sealed) is None


def test_revisions_fold_into_versions_and_change_access() -> None:
    log = sample_log()
    state = ProcessState()
    for event in log.events:
        state.apply(event)
    revision = {"commitment_id": "c", "plan_id": "p", "document_id": "doc1"}
    opened = log.add("plan:p", d.COMMITMENT_REVISION_OPENED,
                     {**revision, "version": 2, "reason": "koreksi"})
    assert state.apply(opened) is True  # live connections must be re-checked
    commitment = state.commitments["c"]
    assert [r.open for r in commitment.revisions] == [True]
    assert commitment.recorded_version == 1
    assert state.apply(log.add("plan:p", d.COMMITMENT_REVISION_OPENED,
                               {**revision, "version": 3, "reason": "dobel"})) is False
    assert state.apply(log.add("plan:p", d.COMMITMENT_REVISION_CLOSED,
                               {**revision, "version": 3})) is False  # not the open one
    closed = log.add("plan:p", d.COMMITMENT_REVISION_CLOSED, {**revision, "version": 2})
    assert state.apply(closed) is True
    assert commitment.open_revision is None
    assert commitment.recorded_version == 2
    assert [(r.version, r.reason, r.closed_position) for r in commitment.revisions] == [
        (2, "koreksi", closed.position)]
    assert fold(log.events).commitments["c"].revisions == commitment.revisions


def test_client_address_behind_proxies() -> None:
    proxies = TrustedProxies.parse("10.0.0.0/8, ::1")
    assert proxies.client_address("192.0.2.9", ["198.51.100.1"]) == "192.0.2.9"
    assert proxies.client_address("10.0.0.2", ["198.51.100.1:5123"]) == "198.51.100.1"
    assert proxies.client_address("::1", ["evil, [2001:db8::7]:443, 10.0.0.3"]) == "2001:db8::7"
    assert proxies.client_address("10.0.0.2", ["10.0.0.5", "10.0.0.3"]) == "10.0.0.5"
    assert proxies.client_address("10.0.0.2", []) == "10.0.0.2"
    assert TrustedProxies.parse("").client_address("10.0.0.2", ["198.51.100.1"]) == "10.0.0.2"
    with pytest.raises(ValueError, match="'proxy' is not an IP address"):
        TrustedProxies.parse("10.0.0.1,proxy")
