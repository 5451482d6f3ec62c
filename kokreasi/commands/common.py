"""What every subcommand shares: its one-line errors and the log it must find, not create."""

from __future__ import annotations

import argparse

from events.sqlite import path_of
from kokreasi import settings as settings_module


class CommandError(Exception):
    """Bad input from the person at the terminal: printed as one line, exit code 2."""


def existing_log_settings(args: argparse.Namespace) -> settings_module.Settings:
    """Settings for a command that only reads: it creates no data directory, no secret and no
    empty log (an empty log would "verify" and "replay" as if all were well)."""
    settings = settings_module.load(args, read_only=True)
    url = settings.database_url
    if url.startswith("sqlite:") and not path_of(url).exists():
        raise CommandError(f"no event log at {path_of(url)} (give --data-dir or --database-url)")
    return settings
