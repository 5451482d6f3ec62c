"""Who may comment, suggest and decide, per stage and role, over HTTP (issue #13): writers at
this stage, the Secretariat, and a ministry of the working group in Draft 1-2 comment and
suggest; those who may write now and the Secretariat decide; auditors and the public never."""

from __future__ import annotations

from pathlib import Path

import pytest
from negotiation_helpers import STAGES, served
from process_helpers import ROLES, World

VOICE = {"draft1", "draft2"}
WRITING = {"draft1", "draft2", "draft3", "draft4"}


def may_comment(role: str, stage: str) -> bool:
    if role == "secretariat":
        return True
    if role == "cso_member":
        return stage in WRITING
    if role == "kldi_member":
        return stage in WRITING  # a voice in Draft 1-2, an author from Draft 3
    return False


def may_decide(role: str, stage: str) -> bool:
    if role in ("secretariat", "cso_member"):
        return stage in WRITING
    if role == "kldi_member":
        return stage in WRITING - VOICE
    return False


def refusal(role: str, stage: str) -> int:
    if role == "anonymous":
        return 401
    if role == "secretariat":
        return 409  # nobody writes at this stage: a decision would change a frozen text
    return 403


async def test_permission_matrix(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url) as (_address, client, app):
        world = await World(client).build()
        base = f"/api/documents/{world.document_id}"
        seen: dict[tuple[str, str, str], int] = {}
        expected: dict[tuple[str, str, str], int] = {}
        for stage in STAGES:
            assert await world.stage() == stage
            for role in ROLES:
                comment = await world.call("POST", f"{base}/comments", role, json={
                    "section": "*", "body": f"{role} in {stage}"})
                suggestion = await world.call("POST", f"{base}/suggestions", role, json={
                    "section": "title", "quote": "transparan", "replacement": "terbuka"})
                proposal = await world.call("POST", f"{base}/suggestions", "secretariat",
                                            json={"section": "title", "quote": "transparan",
                                                  "replacement": "terbuka"}, expect=201)
                decision = await world.call(
                    "POST", f"{base}/suggestions/{proposal.json()['id']}/decision", role,
                    json={"decision": "reject", "reason": "belum perlu"})
                listed = await world.call("GET", f"{base}/comments", role)
                for action, response, allowed, ok in (
                        ("comment", comment, may_comment(role, stage), 201),
                        ("suggest", suggestion, may_comment(role, stage), 201),
                        ("decide", decision, may_decide(role, stage), 200)):
                    seen[(stage, role, action)] = response.status_code
                    if allowed:
                        expected[(stage, role, action)] = ok
                    elif action == "decide":
                        expected[(stage, role, action)] = refusal(role, stage)
                    else:
                        expected[(stage, role, action)] = 401 if role == "anonymous" else 403
                    if not allowed:
                        assert response.headers["content-type"].startswith(
                            "application/problem+json")
                if role not in ("anonymous", "public"):
                    may = listed.json()["may"]
                    assert may == {"comment": may_comment(role, stage),
                                   "suggest": may_comment(role, stage),
                                   "decide": may_decide(role, stage)}, (stage, role, may)
            if stage != "final":
                await world.advance()
        assert seen == expected
        # Only the allowed steps are in the log, each under its author.
        events = await app.state.store.read_stream(f"review:{world.document_id}")
        comments = [e for e in events if e.type == "comment.created"]
        assert len(comments) == sum(1 for (s, r, a), v in expected.items()
                                    if a == "comment" and v == 201)
        assert {e.actor.person_id for e in comments} == {
            "admin", world.people["cso_member"], world.people["kldi_member"]}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
