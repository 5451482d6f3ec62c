"""The ``kokreasi`` command. Each area of the product has a module of subcommands in
``kokreasi.commands``.

A command module exposes ``register(subparsers)``, which adds its parsers and sets
``handler=`` to a function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .commands import audit, demo, log, projections, serve

COMMAND_MODULES = (
    serve,  # serve, token
    log,  # verify, migrate
    demo,  # demo
    projections,  # rebuild, replay
    audit,  # audit export / verify / checkpoint / prove / keys, export
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kokreasi",
        description="Co-write a National Action Plan live, every contribution on the record.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    code: int = handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
