"""The client's address behind a reverse proxy, for keying the public-input rate limit.

Behind nginx every request comes from the proxy, so all clients would share one rate-limit
key. ``X-Forwarded-For`` names the real client, but anyone can send that header: it is only
believed when the direct peer is a proxy we trust (``KOKREASI_TRUSTED_PROXIES``), and then
read from the right, skipping our own proxies, because each proxy appends the address it saw
and only the entries our proxies appended are true (a client may prepend anything).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

ENV_NAME = "KOKREASI_TRUSTED_PROXIES"
MAX_HOPS = 32  # entries of X-Forwarded-For looked at; a real chain of proxies is short

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """Comma-separated addresses or networks (``10.0.0.2, 172.18.0.0/16, ::1``)."""
        networks = []
        for entry in (e.strip() for e in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{ENV_NAME}: {entry!r} is not an IP address or network; give addresses "
                    "like 10.0.0.2 or 172.18.0.0/16, separated by commas"
                ) from None
        return cls(networks)

    def trusts(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client_address(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The address of the client: ``peer`` unless a trusted proxy forwarded the request."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        hops = [hop for hop in hops if hop][-MAX_HOPS:]
        for hop in reversed(hops):
            if not self.trusts(hop):
                ip = _ip(hop)
                return str(ip) if ip is not None else hop
        # Every hop is one of ours (or there are none): the farthest one is the client.
        return str(_ip(hops[0]) or hops[0]) if hops else peer


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:port`` or ``[v6]:port``."""
    value = text.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None
