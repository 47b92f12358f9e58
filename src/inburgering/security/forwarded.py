"""Which address a request comes from: the connection's peer, or, only behind a configured reverse proxy, the
address that proxy says it served (``X-Forwarded-For``).

Anyone can send ``X-Forwarded-For``; believed from any peer, rotating it gives every request a fresh
rate-limit bucket. So it is read only when the peer is one of ``settings.trusted_proxies`` (none by default),
and then from the right: each trusted proxy appends the address it saw, so the first address from the right
that is not a trusted proxy is the client. What a client wrote further left is never read.

>>> trusted = proxy_networks(["10.0.0.0/8"])
>>> client_address("10.1.2.3", [b"6.6.6.6, 192.0.2.7"], trusted)
'192.0.2.7'
>>> client_address("192.0.2.9", [b"6.6.6.6"], trusted)   # not from a trusted proxy: the header is ignored
'192.0.2.9'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from inburgering.errors import UsageError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies as networks (``192.0.2.1``, ``10.0.0.0/8``, ``::1``); a bad entry is a usage error."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise UsageError(f"trusted_proxies: {value!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(peer: str, forwarded_for: Sequence[bytes], trusted: Sequence[Network]) -> str:
    """The client's address: ``peer``, unless ``peer`` is a trusted proxy and ``X-Forwarded-For`` (all its
    header lines, in order) names one; then the right-most address in it that is not a trusted proxy."""
    if not _trusted(_address(peer), trusted):
        return peer
    hops = [hop.strip() for line in forwarded_for for hop in line.decode("latin-1").split(",")]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not an address: what lies left of it is not a proxy's word
        client = str(address)
        if not _trusted(address, trusted):
            break
    return client


__all__ = ["client_address", "proxy_networks"]
