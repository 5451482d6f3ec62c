"""The ``kokreasi`` command. Each area of the product has a module of subcommands in
``kokreasi.commands``.

A command module exposes ``register(subparsers)``, which adds its parsers and sets
``handler=`` to a function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata

from events.errors import EventStoreError

from .commands import audit, demo, log, projections, serve
from .commands.common import CommandError
from .settings import SettingsError

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
    parser.add_argument("--version", action="version", version=f"kokreasi {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback when a command fails unexpectedly")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    _describe_from_help(parser)
    return parser


def _describe_from_help(parser: argparse.ArgumentParser) -> None:
    """``kokreasi X --help`` opens with a description: a command registered with only a
    one-line ``help`` gets that line as its description too."""
    for action in parser._actions:  # argparse keeps its subcommands nowhere public
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, subparser in action.choices.items():
            if not subparser.description and helps.get(name):
                text = str(helps[name])
                subparser.description = text[0].upper() + text[1:] + "."
            _describe_from_help(subparser)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code: int = handler(args)
    except (CommandError, SettingsError, EventStoreError, OSError) as error:
        # 2: the command could not do its work (bad input, no log, no database); a command's
        # own verdict (e.g. verify finding a bad record) is its return code.
        return _fail(args.command, str(error), 2)
    except KeyboardInterrupt:
        return _fail(args.command, "interrupted", 130)
    except Exception as error:
        if args.debug:
            raise
        return _fail(args.command, f"unexpected {type(error).__name__}: {error} "
                     "(run again with --debug for the traceback)", 1)
    return code


def _fail(command: str, message: str, code: int) -> int:
    """One line, worded as argparse words a usage error: ``kokreasi verify: error: ...``."""
    print(f"kokreasi {command}: error: {message}", file=sys.stderr)
    return code


def _version() -> str:
    try:
        return metadata.version("kokreasi")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
