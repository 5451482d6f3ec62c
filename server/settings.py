"""Configuration in one place: command-line options over environment over defaults.

With no URLs Kokreasi runs embedded: SQLite in the data directory and an in-process broker.
"""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = "kokreasi-data"
SECRET_FILE = "secret.key"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: bytes
    host: str = "127.0.0.1"
    port: int = 8000
    max_message_bytes: int = 1024 * 1024
    # No lingering: appends that arrive while a commit runs form the next batch anyway, and a
    # wait only adds to the latency of every edit (each is shown only once it is durable).
    group_commit_wait_ms: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)
    # Secrets being rotated out: they still verify tokens and invitation links and open
    # sealed contacts, but nothing new is signed or sealed with them.
    previous_secret_keys: tuple[bytes, ...] = ()

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by every command that opens the log (serve, token, verify, ...)."""
    parser.add_argument("--data-dir", help=f"where the embedded log and keys live "
                        f"(env KOKREASI_DATA_DIR; default ./{DEFAULT_DATA_DIR})")
    parser.add_argument("--database-url", help="postgresql://... or sqlite:///path "
                        "(env KOKREASI_DATABASE_URL; default SQLite in the data directory)")
    parser.add_argument("--redis-url", help="redis://... for fan-out between instances "
                        "(env KOKREASI_REDIS_URL; default: in-process broker)")


def _choose(cli_value: str | None, env_name: str, env: dict[str, str]) -> str | None:
    if cli_value:
        return cli_value
    value = env.get(env_name, "").strip()
    return value or None


def _get(args: argparse.Namespace | None, name: str) -> Any:
    return getattr(args, name, None) if args is not None else None


def log_location(
    args: argparse.Namespace | None = None, env: dict[str, str] | None = None
) -> tuple[Path, str]:
    """The data directory and the log's URL, read without creating anything (no secret):
    what a command that only reads needs (``kokreasi verify``)."""
    env = dict(os.environ) if env is None else env
    data_dir = Path(_choose(_get(args, "data_dir"), "KOKREASI_DATA_DIR", env) or DEFAULT_DATA_DIR)
    database_url = _choose(_get(args, "database_url"), "KOKREASI_DATABASE_URL", env)
    if database_url is None:
        database_url = f"sqlite:///{(data_dir / 'events.sqlite3').resolve()}"
    elif not database_url.startswith(("sqlite://", "postgresql://", "postgres://")):
        raise SettingsError(
            f"database URL {database_url!r} is neither sqlite:///PATH nor postgresql://..."
        )
    return data_dir, database_url


def load(args: argparse.Namespace | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env

    def get(name: str) -> Any:
        return _get(args, name)

    data_dir, database_url = log_location(args, env)
    redis_url = _choose(get("redis_url"), "KOKREASI_REDIS_URL", env)
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"redis URL {redis_url!r} must start with redis:// or rediss://")
    secret = _choose(None, "KOKREASI_SECRET_KEY", env)
    secret_key = secret.encode() if secret else _stored_secret(data_dir)
    if len(secret_key) < 16:
        raise SettingsError("KOKREASI_SECRET_KEY must be at least 16 characters long")
    previous = tuple(
        key.strip().encode()
        for key in env.get("KOKREASI_PREVIOUS_SECRET_KEYS", "").split(",")
        if key.strip()
    )
    port = get("port") or int(env.get("KOKREASI_PORT", "8000"))
    host = get("host") or env.get("KOKREASI_HOST", "127.0.0.1")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        previous_secret_keys=previous,
        host=host,
        port=int(port),
    )


def _stored_secret(data_dir: Path) -> bytes:
    """The secret kept in the data directory, created on first use (mode 0600)."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
