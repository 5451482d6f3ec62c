"""``kokreasi serve`` and ``kokreasi token``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from events.record import Stakeholder

from . import settings as settings_module
from .access import AccessPolicy, OpenPolicy
from .limits import Limits, from_environment
from .tokens import DEFAULT_TTL_SECONDS, PERSON_ROLES, issue_token


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the live co-editing server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000; 0 picks one)")
    settings_module.add_arguments(serve)
    serve.set_defaults(handler=serve_command)

    token = subparsers.add_parser("token", help="print a signed sign-in token for a person")
    token.add_argument("--name", required=True, help="the person's name")
    token.add_argument("--org", required=True, help="the organisation they act for")
    token.add_argument("--role", required=True, choices=[str(r) for r in PERSON_ROLES],
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
    try:
        token = issue_token(settings.secret_key, name=args.name, org=args.org,
                            role=Stakeholder(args.role), ttl_seconds=args.ttl)
    except ValueError as error:
        print(f"kokreasi: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from . import deadline, logs
    from .app import create_app

    settings = _settings(args)
    if settings is None:
        return 2
    logs.configure()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    policy: AccessPolicy | None = None
    if os.environ.get("KOKREASI_ACCESS_POLICY") == "open":
        # For trying the editor and for tests without a plan: CSOs and the Secretariat write
        # every document, others read. Never for a real co-creation process.
        logging.getLogger("kokreasi").warning("KOKREASI_ACCESS_POLICY=open: no process rules")
        policy = OpenPolicy()
    try:
        limits = from_environment(os.environ,
                                  Limits(max_message_bytes=settings.max_message_bytes))
    except ValueError as error:
        print(f"kokreasi: {error}", file=sys.stderr)
        return 2
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
        ws_max_size=settings.max_message_bytes + 64,  # framing; the app checks the exact limit
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        timeout_graceful_shutdown=10,
        lifespan="on",
        # Client addresses are taken from X-Forwarded-For only where KOKREASI_TRUSTED_PROXIES
        # says so (process.proxies), never by uvicorn's own loopback default.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1
