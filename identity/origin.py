"""Where a browser says a request comes from: a page of this site, another site, or it won't say.

Browsers send ``Origin`` with every request that is not a plain navigation or a simple GET,
and ``Sec-Fetch-Site`` with nearly all of them (``same-origin``, ``same-site``, ``cross-site``,
or ``none`` when the person typed the address or opened a bookmark). Scripts send neither,
and so can old browsers: then the answer is ``None``, and each caller decides.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def same_origin(connection: HTTPConnection) -> bool | None:
    """True for a request from a page of this site, False for one from anywhere else (another
    site, a sandboxed page), None when the client says nothing about it."""
    origin = connection.headers.get("origin")
    if origin is not None:
        return _is_this_site(origin, connection.headers.get("host", ""))
    site = connection.headers.get("sec-fetch-site")
    if site is None:
        return None
    return site == "same-origin"


def opened_here(connection: HTTPConnection) -> bool | None:
    """For a top-level navigation: True when the person opened the address themselves (typed,
    pasted, a bookmark, another application) or from a page of this site; False when a page
    of another site sent them; None when the browser does not say."""
    if connection.headers.get("origin") is not None:
        return same_origin(connection)
    site = connection.headers.get("sec-fetch-site")
    if site is None:
        return None
    return site in ("none", "same-origin")


def _is_this_site(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        ours = urlsplit(f"//{host}")
        our_port = ours.port
    except ValueError:  # "null" (a sandboxed page), a malformed port: not us
        return False
    if not parts.hostname or parts.hostname != ours.hostname:
        return False
    # A proxy that forwards Host without the port (nginx's $host) leaves only the name to
    # compare; otherwise the port must match too.
    return our_port is None or port == our_port
