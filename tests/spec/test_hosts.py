"""Host classification: one strict reading of loopback, a broad one of production (spec 1.3)."""

from __future__ import annotations

import pytest

from verification.spec.hosts import host_kind, host_of, is_loopback_host, is_loopback_url, is_production_url


@pytest.mark.parametrize(("host", "kind"), [
    ("localhost", "loopback"),
    ("LOCALHOST", "loopback"),
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),  # all of 127.0.0.0/8
    ("::1", "loopback"),
    ("[::1]", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: reaches 127.0.0.1 (whatever the Python version says)
    ("[::FFFF:127.0.0.1]", "loopback"),
    ("x.localhost", "other"),  # a resolver decides where a subdomain of localhost goes
    ("localhost.", "other"),
    ("127.0.0.1.", "other"),
    ("0.0.0.0", "other"),  # unspecified: a bind address, not one to talk to
    ("::", "other"),
    ("::1%lo", "other"),  # zone ids are for link-local addresses
    ("fe80::1%eth0", "other"),
    ("::ffff:10.0.0.1", "other"),
    ("", "other"),
    ("pasientrapportering.nhn.no", "production"),
    ("PasientRapportering.NHN.no.", "production"),  # any case, absolute name
    ("api.pasientrapportering.nhn.no", "production"),
    ("pasientrapportering.qa.nhn.no", "test"),
    ("proms.hemitdev.org", "test"),
    ("proms2.hemit.org.", "test"),
    ("notpasientrapportering.nhn.no", "other"),
])
def test_host_kind(host: str, kind: str) -> None:
    assert host_kind(host) == kind


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://localhost:8080/x", True),
    ("http://127.0.0.2/", True),
    ("http://[::1]:18080", True),
    ("http://[::ffff:127.0.0.1]:18080", True),
    ("http://x.localhost/", False),
    ("http://[::1%25lo]:18080/", False),
    ("http://0.0.0.0:18080", False),
    ("http://[::1", False),  # unreadable
    ("not a url", False),
])
def test_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_production_url_reads_the_host_only() -> None:
    assert is_production_url("https://pasientrapportering.nhn.no./webapi")
    assert not is_production_url("https://example.org/pasientrapportering.nhn.no")
    assert not is_production_url("http://[::1")
    assert host_of("http://[::1]:80/") == "::1" and not is_loopback_host("::1%lo")
