"""Appendix C (``verification.spec.messages``) against the upstream guide lines it is copied from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from verification.spec.messages import APPENDIX_C, E1_ERRORS, STATUS, render

VENDORED = Path(__file__).with_name("upstream_messages.txt")
REPO = Path(__file__).resolve().parents[2]


def _vendored() -> dict[str, tuple[str, str]]:
    """Appendix C id -> (file:line under shared/spec/, the verbatim line)."""
    rows = [line.split("\t") for line in VENDORED.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return {message_id: (where, line) for message_id, where, line in rows}


def _quoted(line: str) -> str:
    """The text a guide line documents: its C# string literal, or the digest's back-quoted text."""
    found = re.search(r'\$?"([^"]*)"', line) or re.search(r"`([^`]*)`", line)
    assert found, line
    return found.group(1)


def _placeholders_blank(text: str) -> str:
    # The guide names placeholders after its C# variables ({formOrder.formId}); the kit after the member.
    return re.sub(r"\{[^}]*\}", "{}", text)


def _shared_spec() -> Path | None:
    """``shared/spec/`` next to the repository or any folder above it (absent on a clean clone in CI)."""
    for folder in REPO.parents:
        candidate = folder / "shared" / "spec"
        if (candidate / "upstream").is_dir():
            return candidate
    return None


def test_every_text_has_an_upstream_line_and_no_line_is_spare() -> None:
    assert set(_vendored()) == set(APPENDIX_C)


@pytest.mark.parametrize("message_id", sorted(APPENDIX_C))
def test_text_equals_the_upstream_line(message_id: str) -> None:
    where, line = _vendored()[message_id]
    assert _placeholders_blank(APPENDIX_C[message_id]) == _placeholders_blank(_quoted(line)), where


@pytest.mark.parametrize("message_id", sorted(APPENDIX_C))
def test_status_equals_the_upstream_line(message_id: str) -> None:
    where, line = _vendored()[message_id]
    documented = {"GatewayTimeout": 504, "BadGateway": 502}.get(
        next((word for word in ("GatewayTimeout", "BadGateway") if word in line), ""), 400)
    assert STATUS[message_id] == documented, where


def test_vendored_lines_are_verbatim_in_the_shared_spec() -> None:
    shared = _shared_spec()
    if shared is None:
        pytest.skip("no shared/spec/upstream/ above the repository (a clean clone): the vendored lines stand")
    for message_id, (where, line) in _vendored().items():
        file, number = where.rsplit(":", 1)
        lines = (shared / file).read_text(encoding="utf-8").split("\n")
        assert lines[int(number) - 1] == line, f"{message_id}: {where} changed"


def test_e1_errors_are_the_e1_texts() -> None:
    assert E1_ERRORS == tuple(f"E1-{n}" for n in range(1, 9))


def test_render_fills_named_placeholders_only() -> None:
    assert render(APPENDIX_C["E1-2"], formId="{x}") == "No form with id='{x}' exists"
    assert render(APPENDIX_C["E1-6"]) == "JSON in metadata is not valid: {message}"
