"""The audit routes of the real app over HTTP: public checkpoints and proofs, guarded bundles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from audit_history import PLAN, write_history
from starlette.applications import Starlette
from starlette.routing import Route

import events
from audit.api import routes, signer_of
from audit.checkpoints import Checkpoint
from audit.keys import Keyring
from audit.merkle import verify_consistency
from audit.proofs import ConsistencyProof
from audit.verify import verify_bundle
from events.record import Stakeholder
from identity.tokens import issue_token
from kokreasi.settings import Settings
from process.registry import Registry
from process.runtime import ProcessRuntime

SECRET = b"a-test-secret-of-enough-length-0123"


def bearer(role: str, name: str = "Ayu Lestari", org: str = "Sekretariat OGI") -> dict[str, str]:
    token = issue_token(SECRET, name=name, org=org, role=Stakeholder(role))
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def app(tmp_path: Path, postgres_url: str) -> AsyncIterator[Starlette]:
    """The audit routes on the state ``kokreasi.app.create_app`` provides (settings, store);
    built here so these tests do not depend on every other part's routes importing."""
    application = Starlette(routes=routes())
    application.state.settings = Settings(
        data_dir=tmp_path, database_url=postgres_url, redis_url=None, secret_key=SECRET
    )
    application.state.store = store = await events.open_store(postgres_url)
    runtime = ProcessRuntime(store)
    application.state.actor_resolver = Registry(runtime)  # as kokreasi.app hands it down
    try:
        yield application
    finally:
        await runtime.close()
        await store.close()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kokreasi") as client:
        yield client


async def test_checkpoints_are_public_and_only_the_secretariat_signs_on_demand(
    app: Any, client: httpx.AsyncClient
) -> None:
    listed = (await client.get("/api/audit/checkpoints")).json()
    assert listed["checkpoints"] == []
    keyring = Keyring.from_json(listed["public_keys"])
    assert list(keyring) == [signer_of(app).key_id]
    assert (await client.post("/api/audit/checkpoints")).status_code == 401
    refused = await client.post("/api/audit/checkpoints", headers=bearer("cso"))
    assert refused.status_code == 403 and "secretariat" in refused.json()["detail"]
    await write_history(app.state.store, signer_of(app))
    signed = await client.post("/api/audit/checkpoints", headers=bearer("secretariat"))
    assert signed.status_code == 201
    listed = (await client.get("/api/audit/checkpoints")).json()
    assert len(listed["checkpoints"]) == 3
    newest = Checkpoint.from_note(listed["checkpoints"][-1]["note"])
    assert newest.to_json() == {k: v for k, v in signed.json().items() if k != "note"}
    newest.verify(keyring)
    assert newest.tree_size == (await app.state.store.head()).position - 1


async def test_consistency_proof_from_a_kept_checkpoint(
    app: Any, client: httpx.AsyncClient
) -> None:
    await write_history(app.state.store, signer_of(app))
    first = Checkpoint.from_note((await client.get("/api/audit/checkpoints")).json()
                                 ["checkpoints"][0]["note"])
    await client.post("/api/audit/checkpoints", headers=bearer("secretariat"))
    response = await client.get("/api/audit/consistency", params={"from": first.tree_size})
    assert response.status_code == 200
    proof = ConsistencyProof.from_json(response.json())
    keys = Keyring.from_json((await client.get("/api/audit/keys")).json())
    proof.checkpoint.verify(keys)
    verify_consistency(first.tree_size, proof.new_size, first.root, proof.checkpoint.root,
                       proof.hashes)

    for query, message in [({}, "give from=N"), ({"from": "x"}, "whole number"),
                           ({"from": "999"}, "beyond the newest checkpoint")]:
        refused = await client.get("/api/audit/consistency", params=query)
        assert refused.status_code == 400 and message in refused.json()["detail"]


async def test_bundle_download_is_for_auditors_and_the_secretariat(
    app: Any, client: httpx.AsyncClient
) -> None:
    await write_history(app.state.store, signer_of(app))
    url = f"/api/audit/bundle?plan={PLAN}"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=bearer("cso"))).status_code == 403
    assert (await client.get(url, headers=bearer("public"))).status_code == 403
    head = await app.state.store.head()
    response = await client.get(url, headers=bearer("auditor", org="IRM"))
    assert response.status_code == 200
    assert f"kokreasi-audit-{PLAN}.jsonl" in response.headers["content-disposition"]
    # A GET writes nothing: no checkpoint is recorded for the download.
    assert await app.state.store.head() == head
    keys = Keyring.from_json((await client.get("/api/audit/keys")).json())
    verified = verify_bundle(response.text.splitlines(), trusted_keys=keys)
    assert verified.plan == PLAN and len(verified.checkpoints) == 2  # the stage advances'
    # The edits after the newest recorded checkpoint are signed by the export's checkpoint.
    assert verified.signed_up_to < verified.tree_size == head.position
    assert verified.at_export is not None and verified.at_export.tree_size == head.position
    unknown = await client.get("/api/audit/bundle?plan=nope", headers=bearer("auditor"))
    assert unknown.status_code == 404 and "no plan 'nope'" in unknown.json()["detail"]
    assert (await client.get("/api/audit/bundle", headers=bearer("auditor"))).status_code == 400
    # Recording a checkpoint is the Secretariat's POST; the next download is signed up to it.
    signed = await client.post("/api/audit/checkpoints", headers=bearer("secretariat"))
    again = await client.get(url, headers=bearer("secretariat"))
    verified = verify_bundle(again.text.splitlines(), trusted_keys=keys)
    assert verified.signed_up_to == signed.json()["tree_size"] == verified.tree_size - 1


async def test_the_server_serves_the_audit_routes(tmp_path: Path, sqlite_url: str) -> None:
    """Through ``kokreasi.app.create_app`` and its lifespan: the routes find their state."""
    from kokreasi.app import create_app

    settings = Settings(data_dir=tmp_path, database_url=sqlite_url, redis_url=None,
                        secret_key=SECRET)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as client:
            signed = await client.post("/api/audit/checkpoints", headers=bearer("secretariat"))
            assert signed.status_code == 201
            listed = (await client.get("/api/audit/checkpoints")).json()
            assert [c["tree_size"] for c in listed["checkpoints"]] == [signed.json()["tree_size"]]
            document = (await client.get("/openapi.json")).json()
    # Every audit and export route is in the API's reference, saying who may call it.
    listed = {(path, method.upper()) for path, ops in document["paths"].items()
              for method in ops}
    served = {(re.sub(r":\w+}", "}", route.path), method) for route in routes()
              if isinstance(route, Route) for method in route.methods or () if method != "HEAD"}
    assert len(served) == 8 and served <= listed
    paths = document["paths"]
    assert "records nothing" in paths["/api/audit/bundle"]["get"]["description"]
    assert "records nothing" in paths["/api/exports/{plan}/evidence.zip"]["get"]["description"]
    assert "Secretariat" in paths["/api/audit/checkpoints"]["post"]["description"]
