"""Fixtures of the reference-system tests: a fake ePROM in a thread, the correct system in its own process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_eprom import API_KEY, FakeEprom, serve_in_thread

from verification.reference import run_reference_system


@pytest.fixture(scope="module")
def fake_eprom() -> Iterator[FakeEprom]:
    fake = FakeEprom()
    with serve_in_thread(fake.app()) as root:
        fake.base_url = f"{root}/promswebapi"
        yield fake


@pytest.fixture(autouse=True)
def _fresh_fake(request: pytest.FixtureRequest) -> None:
    if "fake_eprom" in request.fixturenames:
        request.getfixturevalue("fake_eprom").reset()


@pytest.fixture(scope="module")
def reference(fake_eprom: FakeEprom, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The correct system, in its own process, with a SQLite file."""
    db_path = str(tmp_path_factory.mktemp("reference") / "reference.sqlite")
    with run_reference_system(eprom_base_url=fake_eprom.base_url, api_key=API_KEY, db_path=db_path) as system:
        yield system


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        yield client
