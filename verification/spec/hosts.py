"""Which host a URL names: loopback, an ePROM production host, an ePROM test/QA host, or another.

These decide safety rules (plain http only on loopback, never an active request toward production), so
loopback is read strictly and production broadly:

- loopback is the name ``localhost`` (any case) or an address literal in ``127.0.0.0/8``, ``::1`` or an
  IPv4-mapped ``::ffff:127.x.y.z`` (which reaches 127.x.y.z). Nothing else: not ``x.localhost`` nor
  ``localhost.`` (a resolver decides where those go), not ``0.0.0.0`` / ``::`` (unspecified, not an
  address to talk to), not an address with a zone id (``::1%lo``: zones are for link-local addresses);
- production is a host equal to one in :data:`PRODUCTION_HOSTS` or a subdomain of one, in any case and
  with or without the trailing dot of an absolute name (spec 1.3).
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "PRODUCTION_HOSTS",
    "TEST_HOSTS",
    "HostKind",
    "host_of",
    "host_kind",
    "is_loopback_host",
    "is_loopback_url",
    "is_production_host",
    "is_production_url",
]

HostKind = Literal["loopback", "production", "test", "other"]

# Spec 1.3. The QA host pasientrapportering.qa.nhn.no is a test host, not a production one.
PRODUCTION_HOSTS = ("pasientrapportering.nhn.no",)
TEST_HOSTS = ("proms.hemitdev.org", "proms2.hemit.org", "pasientrapportering.qa.nhn.no")


def host_of(url: str) -> str:
    """The host of ``url`` (brackets of an IPv6 literal removed), or ``""`` when it has none or is unreadable."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def is_loopback_host(host: str) -> bool:
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost":
        return True
    if "%" in host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(host_of(url))


def _within(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def is_production_host(host: str) -> bool:
    return _within(host, PRODUCTION_HOSTS)


def is_production_url(url: str) -> bool:
    host = host_of(url)
    return bool(host) and is_production_host(host)


def host_kind(host: str) -> HostKind:
    if is_loopback_host(host):
        return "loopback"
    if is_production_host(host):
        return "production"
    if _within(host, TEST_HOSTS):
        return "test"
    return "other"
