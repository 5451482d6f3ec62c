"""What the browser is told on every response, and which cookie-signed writes are believed."""

from __future__ import annotations

import re

import httpx
import pytest
from live_helpers import LiveServer, TokenFactory

from server.http import STATIC_DIR

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


@pytest.mark.parametrize("path", ["/", "/signin", "/api/plans", "/api/me", "/healthz",
                                  "/metrics", "/openapi.json", "/api/nothing-here"])
async def test_every_response_carries_the_security_headers(
    live: LiveServer, path: str
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{live.address}") as client:
        response = await client.get(path)
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().partition(" ")[::2] for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no other site's
    assert "unsafe-" not in directives["script-src"] and "unsafe-" not in directives["default-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer",
                                                   "strict-origin")


def test_the_web_bundle_has_no_inline_script() -> None:
    page = (STATIC_DIR / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert scripts, "the bundle's entry point should be a script file"
    for attributes, body in scripts:
        assert 'src="/' in attributes and not body.strip()
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers either


async def test_cookie_signed_writes_need_json_from_the_app_itself(
    live: LiveServer, token: TokenFactory
) -> None:
    us = f"http://{live.address}"
    session = {"cookie": f"kokreasi_session={token()}"}
    cases: list[tuple[dict[str, str], bytes, int, str]] = [
        # A cross-site form: text, from another site.
        ({"content-type": "application/x-www-form-urlencoded", "origin": "https://evil.example"},
         b"a=1", 415, "json_required"),
        ({"content-type": "text/plain", "origin": us}, b"{}", 415, "json_required"),
        ({"content-type": "application/json", "origin": "https://evil.example"}, b"{}", 403,
         "cross_site_request"),
        ({"content-type": "application/json", "origin": "null"}, b"{}", 403,
         "cross_site_request"),
        ({"content-type": "application/json", "sec-fetch-site": "same-site"}, b"{}", 403,
         "cross_site_request"),
        ({"content-type": "application/json"}, b"{}", 403, "cross_site_request"),  # says nothing
    ]
    async with httpx.AsyncClient(base_url=us) as client:
        for headers, body, status, code in cases:
            refused = await client.post("/api/plans", content=body,
                                        headers={**session, **headers})
            assert refused.status_code == status, (headers, refused.text)
            assert refused.json()["error"] == code
            assert " / " in refused.json()["message"]  # Indonesian / English
            assert "content-security-policy" in refused.headers
        for headers in ({"origin": us}, {"sec-fetch-site": "same-origin"}):
            # Past the guard: the process answers (its own 4xx, not the guard's).
            passed = await client.post("/api/plans", json={"title": "x"},
                                       headers={**session, **headers})
            assert passed.json()["error"] not in ("json_required", "cross_site_request")
        # Reads are untouched, and so are scripts with a bearer token.
        assert (await client.get("/api/me", headers=session)).status_code == 200
        script = await client.post("/api/signout", content=b"",
                                   headers={"authorization": f"Bearer {token()}"})
        assert script.status_code == 200, script.text
        anonymous = await client.post("/api/signout", content=b"")
        assert anonymous.status_code == 200


@pytest.mark.parametrize(("headers", "expected"), [
    ({"host": "kokreasi.example", "origin": "https://kokreasi.example"}, True),
    ({"host": "kokreasi.example:443", "origin": "https://kokreasi.example"}, True),
    ({"host": "kokreasi.example:8080", "origin": "http://kokreasi.example:8080"}, True),
    # nginx's $host drops the port: only the name can be compared
    ({"host": "kokreasi.example", "origin": "http://kokreasi.example:8080"}, True),
    ({"host": "kokreasi.example:8080", "origin": "http://kokreasi.example:9090"}, False),
    ({"host": "kokreasi.example", "origin": "https://kokreasi.example.evil.test"}, False),
    ({"host": "kokreasi.example", "origin": "null"}, False),
    ({"host": "kokreasi.example", "origin": "https://kokreasi.example:99999"}, False),
    ({"host": "kokreasi.example", "sec-fetch-site": "same-origin"}, True),
    ({"host": "kokreasi.example", "sec-fetch-site": "same-site"}, False),
    ({"host": "kokreasi.example"}, None),
])
def test_where_a_request_comes_from(headers: dict[str, str], expected: bool | None) -> None:
    from starlette.requests import Request

    from identity.origin import same_origin

    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    assert same_origin(Request({"type": "http", "headers": raw})) is expected
