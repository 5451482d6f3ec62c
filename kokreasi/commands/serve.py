"""``kokreasi serve`` and ``kokreasi token``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from typing import Any

import events
from events.errors import EventStoreError
from events.record import Actor, Stakeholder
from identity.access import AccessPolicy, OpenPolicy
from identity.tokens import DEFAULT_TTL_SECONDS, PERSON_ROLES, issue_token
from kokreasi import settings as settings_module
from process.registry import UnknownPerson, registered_person
from server.limits import Limits

# Websocket keep-alive: a ping every 5 s, and a connection whose pong is 15 s late is closed.
# Not tighter: a busy server (or client) answers late, and a live editor closed for it must
# resend all it holds unlogged in one sync message, which may then exceed the message limit.
# People see a dropped co-author as away sooner anyway: the web app marks presence not
# renewed for 10 s.
PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 15.0

def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the live co-editing server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=settings_module.port_number,
                       help="port to listen on (default 8000; 0 picks one)")
    settings_module.add_arguments(serve)
    serve.set_defaults(handler=serve_command)

    token = subparsers.add_parser("token", help="print a signed sign-in token for a person")
    token.add_argument("--person", metavar="ID",
                       help="a registered person's id: name, organisation and role come from "
                            "the registry (then leave out --name, --org and --role)")
    token.add_argument("--name", help="the name of someone outside the registry (a script)")
    token.add_argument("--org", help="the organisation they act for")
    token.add_argument("--role", choices=[str(r) for r in PERSON_ROLES],
                       help="stakeholder type")
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS,
                       help=f"seconds until it expires (default {DEFAULT_TTL_SECONDS})")
    settings_module.add_arguments(token)
    token.set_defaults(handler=token_command)


def _settings(args: argparse.Namespace) -> settings_module.Settings | None:
    try:
        return settings_module.load(args)
    except settings_module.SettingsError as error:
        print(f"kokreasi: {error}", file=sys.stderr)
        return None


def token_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 2
    if args.ttl <= 0:
        print("kokreasi: --ttl must be a positive number of seconds", file=sys.stderr)
        return 2
    claims = (args.name, args.org, args.role)
    if args.person is not None and any(c is not None for c in claims):
        print("kokreasi: --person takes the name, organisation and role from the registry; "
              "leave out --name, --org and --role", file=sys.stderr)
        return 2
    if args.person is None and any(c is None for c in claims):
        print("kokreasi: give --person ID, or --name, --org and --role", file=sys.stderr)
        return 2
    try:
        if args.person is not None:
            person = asyncio.run(_registered(settings, args.person))
            token = issue_token(settings.secret_key, name=person.name, org=person.org_name,
                                role=person.stakeholder, person_id=person.person_id,
                                org_id=person.org_id, ttl_seconds=args.ttl)
        else:
            token = issue_token(settings.secret_key, name=args.name, org=args.org,
                                role=Stakeholder(args.role), ttl_seconds=args.ttl)
    except (ValueError, UnknownPerson, EventStoreError) as error:
        print(f"kokreasi: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


async def _registered(settings: settings_module.Settings, person_id: str) -> Actor:
    async with await events.open_store(settings.database_url) as store:
        return await registered_person(store, person_id)


def live_limits(settings: settings_module.Settings) -> Limits:
    """The live server's limits, with the operator's settings applied."""
    limits = Limits(max_message_bytes=settings.max_message_bytes)
    if settings.edits_per_second is not None:
        per_second = settings.edits_per_second
        limits = replace(limits, updates_per_second=per_second,
                         update_burst=max(limits.update_burst, per_second * 4))
    if settings.max_connections_per_person is not None:
        limits = replace(limits, max_connections_per_person=settings.max_connections_per_person)
    if settings.header_timeout is not None:
        limits = replace(limits, header_timeout=settings.header_timeout)
    return limits


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from kokreasi.app import create_app
    from server import deadline, logs

    settings = _settings(args)
    if settings is None:
        return 2
    logs.configure()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    policy: AccessPolicy | None = None
    if settings.access_policy == "open":
        # For trying the editor and for tests without a plan: CSOs and the Secretariat write
        # every document, others read. Never for a real co-creation process.
        logging.getLogger("kokreasi").warning("KOKREASI_ACCESS_POLICY=open: no process rules")
        policy = OpenPolicy()
    limits = live_limits(settings)
    app = create_app(settings, policy=policy, limits=limits)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        # The sans-I/O implementation writes a frame straight to the transport (the legacy one
        # runs a drain per frame), and without per-message deflate a broadcast costs no zlib
        # pass per recipient: Yjs updates are small and barely compress.
        http=deadline.protocol_class(limits.header_timeout),  # against slow-loris
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        # The app checks the exact limit: an edit up to 4 times over it is refused with a reason
        # (4422) and the client reloads; only beyond that does uvicorn's own 1009 answer.
        ws_max_size=4 * settings.max_message_bytes + 64,
        # A connection that dropped without a close (a laptop lid, a lost network) is found
        # within 8 s, and its person's presence goes with it: others see them away in time.
        ws_ping_interval=PING_INTERVAL_S,
        ws_ping_timeout=PING_TIMEOUT_S,
        timeout_graceful_shutdown=10,
        lifespan="on",
        # Client addresses are taken from X-Forwarded-For only where KOKREASI_TRUSTED_PROXIES
        # says so (process.proxies), never by uvicorn's own loopback default.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1
