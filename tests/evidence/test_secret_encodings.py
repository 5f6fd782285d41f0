"""Secrets in any encoding (issue 12): a truncated key, any run of 8 of its characters, base64 (at any
position, so base64 of ``user:KEY``), base64url, URL-encoding in either case, JSON-escaped and hex, in
the redactor and in the leak scan; national ids inside longer strings, but not the decimals of a number."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from evidence_support import VERIFICATION_PERSON

from verification.evidence.leakscan import scan_bundle
from verification.evidence.redact import MASK, Redactor

KEY = "demo-Qm9x7ZkP2vL8/rT4+wYb1N\"q"  # random-looking, with characters that base64, %xx and JSON change


def _b64(data: str, *, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(data.encode()).decode()


ECHOES = {
    "raw": KEY,
    "cut off after all but 2 characters": f'{{"apiKey": "{KEY[:-2]}',
    "a run of 8 from the middle": f"key fragment {KEY[7:15]} logged",
    **{f"base64 of user{'x' * n}:KEY": _b64(f"user{'x' * n}:{KEY}") for n in range(3)},
    "base64 of a truncated key": _b64(KEY[:-3]),
    "base64url": _b64(f"u:{KEY}", urlsafe=True),
    "base64url without padding": _b64(f"u:{KEY}", urlsafe=True).rstrip("="),
    "URL-encoded, upper-case": quote(KEY, safe=""),
    "URL-encoded, lower-case": quote(KEY, safe="").replace("%2F", "%2f").replace("%2B", "%2b").replace("%22", "%22"),
    "JSON-escaped": json.dumps({"k": KEY}),
    "hex": KEY.encode().hex(),
    "hex, upper-case": KEY.encode().hex().upper(),
}


def _runs(value: str, length: int = 8) -> set[str]:
    return {value[i: i + length] for i in range(len(value) - length + 1)}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_the_redactor_leaves_no_run_of_the_key_in_any_encoding(echo: str) -> None:
    redacted = Redactor(secrets=[KEY]).text(f"the system answered: {echo} (end)")
    assert MASK in redacted
    decoded_forms = [redacted, redacted.lower()]
    for form in decoded_forms:
        assert not any(run in form for run in _runs(KEY)), redacted
    if "hex" in echo or echo == KEY.encode().hex():
        assert not any(run in redacted.lower() for run in _runs(KEY.encode().hex(), 16)), redacted
    for b64 in (_b64(KEY), _b64(f"u:{KEY}", urlsafe=True)):  # 12 base64 characters carry 9 bytes of the key
        assert not any(run in redacted for run in _runs(b64[4:-4], 12)), redacted


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_the_leak_scan_finds_the_key_in_any_encoding(tmp_path: Path, echo: str) -> None:
    (tmp_path / "report.html").write_text(f"<pre>{echo}</pre>", encoding="utf-8")
    leaks = scan_bundle(tmp_path, secrets=[KEY])
    assert leaks and all(leak.kind.startswith("the API key") for leak in leaks)
    assert all(KEY[:8] not in str(leak) for leak in leaks)


def test_words_and_numbers_of_the_report_are_not_taken_for_a_key_that_contains_them(tmp_path: Path) -> None:
    key = "selftest-evidence-12345678-Xq7Lp"
    text = "eprom-verify selftest: evidence bundle, 12345678 bytes"
    assert Redactor(secrets=[key]).text(text) == text
    (tmp_path / "report.html").write_text(text, encoding="utf-8")
    assert scan_bundle(tmp_path, secrets=[key]) == []


def test_a_national_id_inside_a_longer_string_is_redacted() -> None:
    redacted = Redactor().text(f"patient=pid{VERIFICATION_PERSON}x, ref:{VERIFICATION_PERSON}_old")
    assert VERIFICATION_PERSON not in redacted and redacted.count("person-1") == 2


def test_the_decimals_of_a_number_are_not_a_national_id(tmp_path: Path) -> None:
    # 91593799978 passes the check digits of an FH-number: a latency once read as a national id.
    text = '{"latency_ms": 45.91593799978, "other": 3,91593799978}'
    assert Redactor().text(text) == text
    (tmp_path / "evidence.json").write_text(text, encoding="utf-8")
    assert scan_bundle(tmp_path) == []


def test_a_hex_digest_holding_eleven_digits_is_not_a_national_id(tmp_path: Path) -> None:
    digest = f"ab{VERIFICATION_PERSON}cdef0123456789abcdef0123456789abcdef0123456789ab"
    assert Redactor().text(digest) == digest
    (tmp_path / "MANIFEST.txt").write_text(digest, encoding="utf-8")
    assert scan_bundle(tmp_path) == []
