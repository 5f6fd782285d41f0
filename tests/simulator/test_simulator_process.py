"""Running the simulator in its own process: readiness, failure reporting, bounded stop."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time

import httpx
import pytest

from verification.simulator import SimulatorSettings, SimulatorStartError, run_simulator
from verification.serving import child_environment as _child_env


def test_simulator_runs_in_its_own_process_on_an_os_chosen_port() -> None:
    settings = SimulatorSettings(api_key="k", callback_base_url="http://127.0.0.1:9")
    with run_simulator(settings) as sim:
        assert sim.pid != os.getpid() and sim.port > 0
        assert httpx.get(f"{sim.admin_url}/health", trust_env=False).json()["ok"] is True
        started = time.perf_counter()
    assert time.perf_counter() - started < 6  # terminate, kill after 5 s at worst
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sim.admin_url}/health", trust_env=False, timeout=2)


def test_start_failure_carries_the_childs_stderr(tmp_path) -> None:
    settings = SimulatorSettings(api_key="k", callback_base_url="http://127.0.0.1:9", store_path=str(tmp_path))
    with pytest.raises(SimulatorStartError) as failed:  # a directory is no SQLite file
        with run_simulator(settings):
            pass
    assert "exited with code" in str(failed.value)
    assert "simulator stderr" in str(failed.value) and "Error" in str(failed.value)


def test_foreground_mode_prints_where_it_listens(tmp_path) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(SimulatorSettings(api_key="k", callback_base_url="http://127.0.0.1:9").to_json())
    command = [sys.executable, "-m", "verification.simulator", "--settings", str(settings_file), "--foreground"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env())
    try:
        with selectors.DefaultSelector() as selector:  # a bounded wait for the first line
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=20), "no banner within 20 s"
        banner = process.stdout.readline()
        assert banner.startswith("ePROM simulator listening on http://127.0.0.1:")
    finally:
        process.terminate()
        process.communicate(timeout=5)  # reaps the child and closes its pipes


def test_unreadable_settings_exit_with_a_usage_error(tmp_path) -> None:
    bad = tmp_path / "settings.json"
    bad.write_text('{"api_key": "k"}')
    result = subprocess.run(
        [sys.executable, "-m", "verification.simulator", "--settings", str(bad)],
        capture_output=True, text=True, env=_child_env(), timeout=30,
    )
    assert result.returncode == 4 and "cannot read settings" in result.stderr
