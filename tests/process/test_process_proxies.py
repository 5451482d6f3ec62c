"""The public-input rate limit is keyed by the client, also behind the reverse proxy:
X-Forwarded-For counts only when the direct peer is a trusted proxy."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from pathlib import Path

import httpx
import pytest
import yaml
from process_helpers import World, bearer, serving
from starlette.applications import Starlette

from kokreasi.app import create_app
from kokreasi.settings import Settings, SettingsError, load
from process.proxies import TrustedProxies
from process.ratelimit import Limits, RateLimiter
from server.limits import Limits as ServerLimits

ENV = "KOKREASI_TRUSTED_PROXIES"
REPO = Path(__file__).resolve().parents[2]


def strict(app: Starlette) -> Starlette:
    """One input per client address, so a second one shows whether two requests shared a key."""
    app.state.input_limiter = RateLimiter(Limits(per_client=1))
    return app


async def give_input(address: str, world: World, forwarded_for: str | None,
                     token: str | None = None) -> int:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for is not None else {}
    headers.update(bearer(token))
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post(f"/api/commitments/{world.commitment_id}/inputs",
                                     json={"text": "Masukan warga"}, headers=headers)
    assert response.status_code in (201, 429), response.text
    return response.status_code


def instance(settings: Settings, **extra: str) -> Starlette:
    configured = dataclasses.replace(settings, extra={**settings.extra, **extra})
    return strict(create_app(configured, limits=ServerLimits()))


async def test_forwarded_for_counts_only_from_trusted_proxies(
    world: World, app: Starlette, address: str, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(4):
        await world.advance()  # draft4: the consultation is open
    monkeypatch.delenv(ENV, raising=False)

    # By default nobody is trusted: the header is ignored and the peer is the key.
    strict(app)
    assert await give_input(address, world, "203.0.113.1") == 201
    assert await give_input(address, world, "203.0.113.2") == 429

    # Behind trusted proxies, each client has its own key, and what a client writes in the
    # header itself (left of what our proxies appended) changes nothing.
    proxied = instance(settings, trusted_proxies="127.0.0.1, 10.0.0.0/8")
    async with serving(proxied) as proxied_address:
        steps = [
            ("203.0.113.1", 201),
            ("203.0.113.2", 201),
            ("203.0.113.1", 429),
            ("203.0.113.1, 198.51.100.7", 201),  # the client claimed to be 203.0.113.1
            ("203.0.113.99, 198.51.100.7", 429),  # the same client claiming another address
            ("198.51.100.8, 10.1.2.3", 201),  # through two of our proxies
            ("198.51.100.8", 429),
            (None, 201),  # no header: the proxy itself
        ]
        for forwarded_for, status in steps:
            assert await give_input(proxied_address, world, forwarded_for) == status, (
                forwarded_for)

    # The environment variable, when the settings do not say.
    from_env = instance(dataclasses.replace(
        settings, trusted_proxies=load(env={ENV: "127.0.0.1"}, read_only=True).trusted_proxies))
    async with serving(from_env) as env_address:
        assert await give_input(env_address, world, "192.0.2.1") == 201
        assert await give_input(env_address, world, "192.0.2.2") == 201
        assert await give_input(env_address, world, "192.0.2.1") == 429


def test_a_malformed_setting_stops_the_server_at_start() -> None:
    with pytest.raises(SettingsError, match=f"{ENV}: 'nginx' is not an IP address"):
        load(env={ENV: "10.0.0.1, nginx"}, read_only=True)


async def test_signed_in_people_behind_one_address_each_have_their_own_input_limit(
    world: World, app: Starlette, address: str,
) -> None:
    """An office, or everyone behind a proxy nobody configured as trusted, shares one
    address: the people signed in there are counted each on their own."""
    for _ in range(4):
        await world.advance()
    strict(app)
    assert await give_input(address, world, None, world.tokens["public"]) == 201
    assert await give_input(address, world, None, world.tokens["cso_other"]) == 201
    assert await give_input(address, world, None, world.tokens["public"]) == 429
    # The anonymous public at that address has a budget of its own, not the people's.
    assert await give_input(address, world, None) == 201
    assert await give_input(address, world, None) == 429


def test_the_shipped_compose_file_trusts_its_nginx_and_nginx_names_the_client() -> None:
    """Behind deploy/'s nginx every request comes from the proxy: unless the instances
    believe its X-Forwarded-For, each per-address limit is one limit for everybody."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    subnets = [ipaddress.ip_network(entry["subnet"])
               for entry in compose["networks"]["default"]["ipam"]["config"]]
    proxy_networks = compose["services"]["proxy"].get("networks", ["default"])
    assert "default" in proxy_networks
    instances = [name for name in compose["services"] if name.startswith("kokreasi-")]
    assert instances == ["kokreasi-1", "kokreasi-2"]
    for name in instances:
        trusted = TrustedProxies.parse(compose["services"][name]["environment"][ENV])
        for subnet in subnets:
            nginx = str(next(subnet.hosts()))
            assert trusted.client_address(nginx, ["203.0.113.9"]) == "203.0.113.9", name
        assert trusted.client_address("198.51.100.4", ["203.0.113.9"]) == "198.51.100.4"
    # nginx is the edge: it passes on the address it saw, never what the client wrote.
    nginx_conf = (REPO / "deploy" / "nginx.conf").read_text()
    forwarded = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", nginx_conf)
    passes = re.findall(r"\bproxy_pass\b", nginx_conf)
    assert forwarded == ["$remote_addr"] * len(passes)
