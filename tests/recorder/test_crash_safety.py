"""Crash safety, proven (issue 12): a relay killed with SIGKILL during traffic leaves a store that passes
``PRAGMA integrity_check``, a restarted relay (``--session``) goes on in it and loses no recorded
exchange. (Runs killed mid-case, and judge on what they left: tests/evidence/test_aborted_runs.py.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from relay_support import KEY, relay_loop, write_target

from verification.recorder.store import SessionStore

ORDER = {"formId": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "nationalId": "26670271527",
         "expiryDate": "2099-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    with relay_loop(tmp_path_factory.mktemp("crash-loop")) as wired:
        yield wired


def _start_relay(target_file: Path, session_dir: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "verification.cli", "relay", str(target_file), "--session", str(session_dir)]
    relay = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert relay.stdout is not None
    assert "recording into" in relay.stdout.readline()  # printed once it listens
    eprom_url = re.search(r"http://\S+", relay.stdout.readline()).group(0)  # type: ignore[union-attr]
    return relay, f"{eprom_url}/promswebapi/api/v2/formorder"


def _order(url: str) -> int:
    return httpx.post(url, json=ORDER, headers={"Authorization": f"Basic {KEY}"}, timeout=10).status_code


def _recorded(store_file: Path) -> dict[int, tuple[str, str, int | None]]:
    with SessionStore(store_file) as store:
        assert store.integrity_problems() == []
        return {ex.id: (ex.method, ex.url, ex.status) for ex in store.exchanges()}  # type: ignore[misc]


def test_a_relay_killed_during_traffic_loses_no_recorded_exchange(loop, tmp_path: Path):
    target_file, session_dir = tmp_path / "target.yaml", tmp_path / "session"
    write_target(target_file, system_url=loop.reference.base_url, upstream=loop.simulator.api_base_url,
                 public_url="http://127.0.0.1:0")
    store_file = session_dir / "session.sqlite"
    relay, url = _start_relay(target_file, session_dir)
    answered, stop = [], threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            try:
                answered.append(_order(url))
            except httpx.HTTPError:
                return  # the relay is gone

    sender = threading.Thread(target=traffic, daemon=True)
    try:
        sender.start()
        deadline = time.monotonic() + 30
        while len(answered) < 20:  # wait on answers, each recorded before it left the relay
            assert time.monotonic() < deadline and sender.is_alive(), "the relay answered too few orders"
            time.sleep(0.01)
    finally:
        relay.kill()  # SIGKILL, in the middle of the traffic
        relay.wait(10)
        stop.set()
        sender.join(15)
    before = _recorded(store_file)
    assert len([status for status in answered if status == 200]) <= len(before)
    assert len(before) >= 20

    relay, url = _start_relay(target_file, session_dir)  # the same session goes on
    try:
        assert _order(url) == 200
    finally:
        relay.send_signal(signal.SIGINT)
        relay.wait(10)
    after = _recorded(store_file)
    assert {key: after[key] for key in before} == before, "an exchange recorded before the kill was lost"
    assert len(after) == len(before) + 1
