"""Fixtures for the evidence self-tests: a synthetic session folder, and its bundle written once."""

from __future__ import annotations

from pathlib import Path

import pytest
from evidence_support import SyntheticSession, make_session, write

from verification.evidence import BundleResult


@pytest.fixture
def session(tmp_path: Path) -> SyntheticSession:
    return make_session(tmp_path)


@pytest.fixture
def bundle(session: SyntheticSession) -> BundleResult:
    return write(session)
