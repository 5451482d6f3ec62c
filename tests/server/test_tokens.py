"""Signed tokens: what they carry, and every way a bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path

import pytest

from events.record import Stakeholder
from identity.signing import INVITATION_LINK, serializer
from identity.tokens import TokenError, issue_token, read_token, slug
from process.invitations import InvalidInvitation, read_invitation, sign_invitation

SECRET = b"0123456789abcdef0123456789abcdef"


def test_a_token_names_the_person_their_organisation_and_role() -> None:
    token = issue_token(SECRET, name="Ayu Lestari", org="Kementerian PPN/Bappenas", role="kldi")
    principal = read_token(SECRET, token)
    assert principal.actor.person_id == "ext:ayu-lestari"  # outside the registry
    assert principal.actor.org_id == "kementerian-ppn-bappenas"
    assert principal.actor.org_name == "Kementerian PPN/Bappenas"
    assert principal.stakeholder is Stakeholder.KLDI
    assert principal.token_id


def test_expired_tokens_are_refused() -> None:
    token = issue_token(SECRET, name="A", org="B", role="cso", ttl_seconds=10, now=1000.0)
    assert read_token(SECRET, token, now=1009.0).actor.name == "A"
    with pytest.raises(TokenError, match="expired") as caught:
        read_token(SECRET, token, now=1010.0)
    assert caught.value.reason == "expired"


def test_another_secret_or_edited_claims_break_the_signature() -> None:
    token = issue_token(SECRET, name="Ayu", org="ICW", role="cso")
    with pytest.raises(TokenError, match="bad signature"):
        read_token(b"another-secret-of-32-bytes-000000", token)
    _, timestamp, signature = token.rsplit(".", 2)
    claims = {"sub": "ayu", "name": "Ayu", "org": "icw", "org_name": "ICW",
              "role": "secretariat", "jti": "x", "iat": 1.0, "exp": 2**40}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="bad signature"):
        read_token(SECRET, f"{forged}.{timestamp}.{signature}")


def test_a_value_signed_for_another_purpose_is_not_a_token() -> None:
    # Same secret, same claims shape: only the per-purpose key tells them apart.
    claims = {"sub": "ayu", "name": "Ayu", "org": "icw", "org_name": "ICW", "role": "cso",
              "jti": "x", "iat": 1.0, "exp": 2**40}
    for purpose in (INVITATION_LINK, "kokreasi/contact"):
        with pytest.raises(TokenError, match="bad signature"):
            read_token(SECRET, serializer(purpose, SECRET).dumps(claims))
    token = issue_token(SECRET, name="Ayu", org="ICW", role="cso")
    with pytest.raises(InvalidInvitation):
        read_invitation(SECRET, token)
    link = sign_invitation(SECRET, "ayu", "i1")
    with pytest.raises(TokenError):
        read_token(SECRET, link)


def test_tokens_of_the_hand_made_format_no_longer_sign_in() -> None:
    """The format before itsdangerous (``base64url(claims).base64url(hmac)``) is refused:
    people sign in again with a new link (docs/security.md)."""
    claims = {"sub": "ayu", "name": "Ayu", "org": "icw", "org_name": "ICW", "role": "cso",
              "jti": "x", "exp": 2**40}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    signature = hmac.new(SECRET, body.encode(), hashlib.sha256).digest()
    old = f"{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(TokenError):
        read_token(SECRET, old)


def test_tokens_of_a_secret_being_rotated_out_still_work_until_it_is_dropped() -> None:
    old, new = b"the-retired-secret-0123456789abcd", SECRET
    token = issue_token(old, name="Ayu", org="ICW", role="cso")
    assert read_token(new, token, previous=[old]).actor.name == "Ayu"
    with pytest.raises(TokenError, match="bad signature"):
        read_token(new, token)


def test_previous_secrets_come_from_the_environment(tmp_path: Path) -> None:
    from kokreasi.settings import load

    settings = load(env={"KOKREASI_DATA_DIR": str(tmp_path), "KOKREASI_SECRET_KEY": "n" * 32,
                         "KOKREASI_PREVIOUS_SECRET_KEYS": f"{'a' * 32}, {'b' * 32}"})
    assert settings.secret_key == b"n" * 32
    assert settings.previous_secret_keys == (b"a" * 32, b"b" * 32)


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "é.é", "####.####", "x" * 5000])
def test_malformed_tokens_say_so(junk: str) -> None:
    with pytest.raises(TokenError) as caught:
        read_token(SECRET, junk)
    assert caught.value.reason in ("malformed", "bad signature")


def test_the_system_role_cannot_get_a_token() -> None:
    with pytest.raises(ValueError):
        issue_token(SECRET, name="x", org="y", role="system")


def test_slugs_are_stable_ascii() -> None:
    assert slug("Kementerian PPN/Bappenas") == "kementerian-ppn-bappenas"
    assert slug("  Lembaga Perlindungan Saksi & Korban ") == "lembaga-perlindungan-saksi-korban"
    assert slug("Ärzte ohne Grenzen") == "arzte-ohne-grenzen"


def test_token_command_signs_with_the_data_directory_secret(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "kokreasi.cli", "token", "--name", "Budi", "--org",
               "Sekretariat OGI", "--role", "secretariat", "--ttl", "60",
               "--data-dir", str(tmp_path)]
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env,
                         cwd=Path(__file__).resolve().parents[2])
    secret = (tmp_path / "secret.key").read_bytes().strip()
    principal = read_token(secret, out.stdout.strip())
    assert principal.actor.name == "Budi"
    assert principal.stakeholder is Stakeholder.SECRETARIAT
