"""``kokreasi demo``: seed the demo plan (once) and serve it, printing a link per role."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import events
from kokreasi import settings as settings_module
from process.demo import seed_demo


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser(
        "demo", help="seed a demo plan in Draft 1 (once) and serve it",
        description="Seeds \u201cRAN OGI VII 2023-2024\u201d with working groups, organisations, "
        "people and commitments (only the first time on a data directory), then serves it and "
        "prints a sign-in link for each role.",
    )
    demo.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--port", type=settings_module.port_number,
                      help="port to listen on (default 8000)")
    settings_module.add_arguments(demo)
    demo.set_defaults(handler=demo_command)


async def _seed(settings: settings_module.Settings) -> dict[str, str]:
    store = await events.open_store(settings.database_url)
    try:
        return await seed_demo(store, settings.secret_key)
    finally:
        await store.close()


def demo_command(args: argparse.Namespace) -> int:
    from kokreasi.commands.serve import serve_command

    try:
        settings = settings_module.load(args)
    except settings_module.SettingsError as error:
        print(f"kokreasi: {error}", file=sys.stderr)
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        links = asyncio.run(_seed(settings))
    except events.EventStoreError as error:
        print(f"kokreasi: cannot seed the demo: {error}", file=sys.stderr)
        return 1
    base = f"http://{settings.host}:{settings.port}"
    print("Kokreasi demo: RAN OGI VII 2023-2024 (Draft 1). Sign in as:", flush=True)
    for role, path in links.items():
        print(f"  {role:28} {base}{path}", flush=True)
    return serve_command(args)
