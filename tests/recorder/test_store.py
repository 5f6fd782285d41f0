"""The session store holds raw exchanges (the API key, national ids): owner-only files, WAL included."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from verification.recorder.store import Exchange, SessionStore


def test_the_store_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path):
    path = tmp_path / "session" / "session.sqlite"
    with SessionStore(path) as store:
        store.record(Exchange(direction="to_eprom", actor="system", method="POST", url="http://127.0.0.1:1/x",
                              request_headers={"authorization": "Basic the-raw-key"}))
        files = sorted(p for p in path.parent.iterdir() if p.name.startswith("session.sqlite"))
        assert {"session.sqlite", "session.sqlite-wal"} <= {p.name for p in files}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


def test_reopening_keeps_the_exchanges(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    with SessionStore(path) as store:
        store.record(Exchange(direction="to_eprom", actor="system", method="GET", url="http://127.0.0.1:1/x"))
    with SessionStore(path) as store:
        assert store.count() == 1


# -- one connection per process: concurrent writers and kill -9 (issue 12) -------------------------------

_WRITER = """
import sys
from verification.recorder.store import Exchange, SessionStore

path, actor, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
kit = SessionStore(path)
for number in range(rows):
    if number % 25 == 0:  # periodic re-opens, and a second store object on the same file (plugin + fixture)
        kit.close()
        kit = SessionStore(path)
        other = SessionStore(path)
        other.count()
        other.close()
    kit.record(Exchange(direction="to_system", actor=actor, method="POST", url=f"http://127.0.0.1:1/{number}"))
    print(number, flush=True)
kit.close()
"""


def _writer(path: Path, actor: str, rows: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(path), actor, str(rows)],
                            stdout=subprocess.PIPE, text=True)


def test_three_processes_writing_with_reopens_lose_nothing(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    SessionStore(path).close()
    writers = [_writer(path, actor, 400) for actor in ("simulator", "kit", "relay")]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    with SessionStore(path) as store:
        assert store.integrity_problems() == []
        assert {a: len(store.exchanges(actor=a)) for a in ("simulator", "kit", "relay")} == {
            "simulator": 400, "kit": 400, "relay": 400}


def test_a_writer_killed_mid_write_leaves_a_sound_store_with_every_committed_row(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    writer = _writer(path, "relay", 100_000)
    assert writer.stdout is not None
    committed = -1
    for line in writer.stdout:  # wait on the recorded rows, not on a clock
        committed = int(line)
        if committed >= 300:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(10)
    writer.stdout.close()
    with SessionStore(path) as store:
        assert store.integrity_problems() == []
        assert store.count() >= committed + 1


def test_stores_on_one_file_share_one_connection_and_wake_each_others_waiters(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    with SessionStore(path) as first, SessionStore(path) as second:
        assert first._db is second._db
        second.record(Exchange(direction="to_eprom", actor="system", method="GET", url="http://127.0.0.1:1/x"))
        assert first.wait_for(lambda ex: True, timeout=1) is not None
    with SessionStore(path) as again:  # the last close closed the connection; a new store opens a new one
        assert again.count() == 1


def test_an_existing_store_left_0644_by_an_older_kit_becomes_owner_only(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    SessionStore(path).close()
    os.chmod(path, 0o644)
    with SessionStore(path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_reference_systems_store_is_owner_only(tmp_path: Path):
    from verification.reference.store import ReferenceStore

    path = tmp_path / "reference.sqlite"
    ReferenceStore(str(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_session_folder_is_owner_only(tmp_path: Path):
    from verification.config import parse_target
    from verification.session import open_session

    target = parse_target({"name": "x", "environment": "test", "api_key": "k-12345678",
                           "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder"]},
                           "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12",
                                      "signing": False, "paper": False}]}, environ={})
    session = open_session(target, tmp_path / "reports" / "s1")
    try:
        assert stat.S_IMODE(session.dir.stat().st_mode) == 0o700
    finally:
        session.close()


def test_the_simulators_settings_leave_no_file_holding_the_key(tmp_path: Path):
    # The settings (key included) go through the child's stdin: a kill -9 of either process leaves no
    # settings.json behind (issue 12).
    import secrets

    from verification.simulator import SimulatorSettings, run_simulator

    key = f"handover-{secrets.token_hex(8)}"
    with run_simulator(SimulatorSettings(api_key=key, callback_base_url="http://127.0.0.1:9")) as simulator:
        workdir = simulator.stderr_path.parent  # the simulator's temporary folder
        assert [p.name for p in workdir.iterdir()] == ["stderr.txt"]
        assert key.encode() not in simulator.stderr_path.read_bytes()
