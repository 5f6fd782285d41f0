"""Fixtures: one callback receiver and one simulator process per test module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sim_support import Receiver, serve_in_thread, simulator_settings

from verification.simulator import SimulatorHandle, run_simulator


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with serve_in_thread(receiver.app()) as url:
        receiver.url = url
        yield receiver


@pytest.fixture(scope="module")
def sim(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorHandle]:
    store = tmp_path_factory.mktemp("simulator") / "session.sqlite"
    with run_simulator(simulator_settings(receiver.url, store_path=str(store))) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with an empty receiver script and no pending faults."""
    if "receiver" in request.fixturenames:
        request.getfixturevalue("receiver").reset()
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").clear_faults()
    yield


@pytest.fixture(scope="module")
def eprom(sim: SimulatorHandle) -> Iterator[httpx.Client]:
    """An HTTP client pointed at the simulator's ePROM base URL (the test environment's prefix)."""
    with httpx.Client(base_url=sim.api_base_url, timeout=10.0, trust_env=False) as client:
        yield client
