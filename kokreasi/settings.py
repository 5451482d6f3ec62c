"""Configuration in one place: command-line options over environment over defaults.

With no URLs Kokreasi runs embedded: SQLite in the data directory and an in-process broker.
"""

from __future__ import annotations

import argparse
import difflib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from process.proxies import TrustedProxies

DEFAULT_DATA_DIR = "kokreasi-data"
SECRET_FILE = "secret.key"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


ACCESS_POLICIES = ("process", "open")


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
    # "open" is for benchmarks and trying the editor without a plan: CSOs and the Secretariat
    # write every document. Never for a real co-creation process.
    access_policy: str = "process"
    # Per person; None keeps the live server's default. A load test may want more.
    edits_per_second: float | None = None
    # When set, /metrics answers only requests bearing it (Authorization: Bearer TOKEN).
    metrics_token: str | None = None
    # None keeps the live server's defaults (server.limits.Limits).
    max_connections_per_person: int | None = None
    header_timeout: float | None = None
    # Addresses/networks whose X-Forwarded-For is believed (``extra["trusted_proxies"]``, for
    # tests, wins); checked when loaded, so a typo stops the server at start.
    trusted_proxies: str = ""
    # Implementation's evidence files (content-addressed); None: ``evidence/`` in data_dir.
    evidence_dir: Path | None = None

    @property
    def evidence_path(self) -> Path:
        return self.evidence_dir if self.evidence_dir is not None else self.data_dir / "evidence"

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


# Every variable Kokreasi reads, with what it means; a KOKREASI_* variable not listed here is
# a misspelling and stops start-up. KOKREASI_TEST_* and KOKREASI_BENCH_* belong to the test
# suite and the benchmarks.
VARIABLES = {
    "KOKREASI_DATA_DIR": "where the embedded log and keys live",
    "KOKREASI_DATABASE_URL": "postgresql://... or sqlite:///PATH",
    "KOKREASI_REDIS_URL": "redis://... to fan out between instances",
    "KOKREASI_SECRET_KEY": "signs tokens and links, seals contacts (16+ characters)",
    "KOKREASI_PREVIOUS_SECRET_KEYS": "comma-separated secrets being rotated out",
    "KOKREASI_HOST": "address to listen on",
    "KOKREASI_PORT": "port to listen on",
    "KOKREASI_TRUSTED_PROXIES": "proxies whose X-Forwarded-For is believed",
    "KOKREASI_ACCESS_POLICY": "process (default) or open (benchmarks only)",
    "KOKREASI_EDITS_PER_SECOND": "per-person edit rate limit",
    "KOKREASI_METRICS_TOKEN": "bearer token /metrics asks for",
    "KOKREASI_MAX_CONNECTIONS_PER_PERSON": "live connections one person may hold (default 20)",
    "KOKREASI_EVIDENCE_DIR": "where implementation's evidence files are kept (default: "
                             "evidence/ in the data directory)",
    "KOKREASI_HEADER_TIMEOUT": "seconds a client has to send a request's headers (default 10)",
}
NOT_SETTINGS = ("KOKREASI_TEST_", "KOKREASI_BENCH_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by every command that opens the log (serve, token, verify, ...)."""
    parser.add_argument("--data-dir", help=f"where the embedded log and keys live "
                        f"(env KOKREASI_DATA_DIR; default ./{DEFAULT_DATA_DIR})")
    parser.add_argument("--database-url", help="postgresql://... or sqlite:///path "
                        "(env KOKREASI_DATABASE_URL; default SQLite in the data directory)")
    parser.add_argument("--redis-url", help="redis://... for fan-out between instances "
                        "(env KOKREASI_REDIS_URL; default: in-process broker)")


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (pick a free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _choose(cli_value: str | None, env_name: str, env: dict[str, str]) -> str | None:
    if cli_value:
        return cli_value
    value = env.get(env_name, "").strip()
    return value or None


def check_names(env: dict[str, str]) -> None:
    """Refuse a KOKREASI_* variable Kokreasi does not read: a misspelt setting would otherwise
    be ignored without a word."""
    for name in sorted(env):
        if name.startswith("KOKREASI_") and name not in VARIABLES and not name.startswith(
            NOT_SETTINGS
        ):
            close = difflib.get_close_matches(name, VARIABLES, n=1)
            hint = f"; did you mean {close[0]}?" if close else (
                f"; known: {', '.join(VARIABLES)}")
            raise SettingsError(f"unknown setting {name}{hint}")


def load(
    args: argparse.Namespace | None = None,
    env: dict[str, str] | None = None,
    *,
    read_only: bool = False,
) -> Settings:
    """The settings from ``args`` over ``env`` (default: the process environment) over the
    defaults. ``read_only`` commands (verify, replay) never write to the data directory: with
    no stored secret they get a throw-away one, since they sign nothing."""
    env = dict(os.environ) if env is None else env
    check_names(env)

    def get(name: str) -> Any:
        return getattr(args, name, None) if args is not None else None

    data_dir = Path(_choose(get("data_dir"), "KOKREASI_DATA_DIR", env) or DEFAULT_DATA_DIR)
    database_url = _choose(get("database_url"), "KOKREASI_DATABASE_URL", env)
    if database_url is None:
        database_url = f"sqlite:///{(data_dir / 'events.sqlite3').resolve()}"
    elif not database_url.startswith(("sqlite://", "postgresql://", "postgres://")):
        raise SettingsError(
            f"KOKREASI_DATABASE_URL / --database-url {database_url!r} is neither "
            "sqlite:///PATH nor postgresql://..."
        )
    redis_url = _choose(get("redis_url"), "KOKREASI_REDIS_URL", env)
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(
            f"KOKREASI_REDIS_URL / --redis-url {redis_url!r} must start with redis:// or "
            "rediss://"
        )
    secret = _choose(None, "KOKREASI_SECRET_KEY", env)
    if secret:
        secret_key = secret.encode()
    elif read_only and not (data_dir / SECRET_FILE).exists():
        secret_key = secrets.token_urlsafe(48).encode()
    else:
        secret_key = _stored_secret(data_dir)
    if len(secret_key) < 16:
        raise SettingsError("KOKREASI_SECRET_KEY must be at least 16 characters long")
    previous = tuple(
        key.strip().encode()
        for key in env.get("KOKREASI_PREVIOUS_SECRET_KEYS", "").split(",")
        if key.strip()
    )
    port = get("port")
    if port is None:
        try:
            port = port_number(env.get("KOKREASI_PORT", "").strip() or "8000")
        except argparse.ArgumentTypeError as error:
            raise SettingsError(f"KOKREASI_PORT: {error}") from None
    host = get("host") or env.get("KOKREASI_HOST", "").strip() or "127.0.0.1"
    access_policy = env.get("KOKREASI_ACCESS_POLICY", "").strip() or "process"
    if access_policy not in ACCESS_POLICIES:
        raise SettingsError(
            f"KOKREASI_ACCESS_POLICY={access_policy!r}: choose {' or '.join(ACCESS_POLICIES)}"
        )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        previous_secret_keys=previous,
        host=host,
        port=int(port),
        access_policy=access_policy,
        edits_per_second=_positive_number(env, "KOKREASI_EDITS_PER_SECOND"),
        metrics_token=env.get("KOKREASI_METRICS_TOKEN", "").strip() or None,
        max_connections_per_person=_whole_number(env, "KOKREASI_MAX_CONNECTIONS_PER_PERSON"),
        header_timeout=_positive_number(env, "KOKREASI_HEADER_TIMEOUT"),
        trusted_proxies=_trusted_proxies(env),
        evidence_dir=Path(env["KOKREASI_EVIDENCE_DIR"].strip())
        if env.get("KOKREASI_EVIDENCE_DIR", "").strip() else None,
    )


def _positive_number(env: dict[str, str], name: str) -> float | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name}={text!r} must be a positive number")
    return value


def _trusted_proxies(env: dict[str, str]) -> str:
    text = env.get("KOKREASI_TRUSTED_PROXIES", "").strip()
    try:
        TrustedProxies.parse(text)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    return text


def _whole_number(env: dict[str, str], name: str) -> int | None:
    value = _positive_number(env, name)
    if value is not None and value != int(value):
        raise SettingsError(f"{name}={env[name].strip()!r} is not a whole number of at least 1")
    return None if value is None else int(value)


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
