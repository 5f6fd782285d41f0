"""A run that cannot start is a clear stop, not a verdict: a busy simulator port ends the run with exit 3
and one message naming ``eprom.listen`` (not one error per case), and an active run refuses a session
folder that already holds recorded exchanges (exit 4) without touching that session's files."""

from __future__ import annotations

import socket
from pathlib import Path

from target_files import simulator_target, with_trigger_and_probe, write_target

from verification.config import load_target
from verification.recorder.store import Exchange, SessionStore
from verification.runner import run_session
from verification.serving import ephemeral_range, free_port


def _target(tmp_path: Path, monkeypatch, *, listen: str, system_url: str) -> Path:
    monkeypatch.setenv("EPROM_TEST_KEY", "test-key-setup-failures")
    return write_target(tmp_path, simulator_target(system_url, key_variable="EPROM_TEST_KEY", listen=listen,
                                                   name="A registry whose run cannot start",
                                                   **with_trigger_and_probe(system_url)))


def test_free_port_is_below_the_ephemeral_range():
    low, _ = ephemeral_range()
    ports = {free_port() for _ in range(20)}
    assert all(port < low for port in ports), "an ephemeral port can be taken by any outgoing connection"
    assert len(ports) > 1, "parallel sessions must not be handed the same port"


def test_a_busy_simulator_port_stops_the_run_with_one_clear_message(tmp_path: Path, monkeypatch, capfd):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        listen = f"127.0.0.1:{busy.getsockname()[1]}"
        path = _target(tmp_path, monkeypatch, listen=listen, system_url=f"http://127.0.0.1:{free_port()}")
        # doctor=False: the doctor names a busy port first (tests/test_doctor.py); this is the fixture's stop
        # for a port taken between the doctor and the simulator's start.
        code = run_session(load_target(path), path, report_root=tmp_path / "reports", quiet=True, doctor=False)
    printed = capfd.readouterr()
    text = printed.out + printed.err
    assert code == 3, text[-2000:]
    assert f"the embedded ePROM simulator did not start on {listen} (eprom.listen)" in text
    assert "Address already in use" in text and "Traceback" not in text
    assert "no tests ran" in text  # stopped before the first case, not after the cases without a simulator
    assert not list((tmp_path / "reports").glob("*/evidence")), "a run that could not start has no verdict bundle"


def test_an_active_run_refuses_a_folder_that_holds_a_recorded_session(tmp_path: Path, monkeypatch, capfd):
    path = _target(tmp_path, monkeypatch, listen=f"127.0.0.1:{free_port()}",
                   system_url=f"http://127.0.0.1:{free_port()}")
    session_dir = tmp_path / "reports" / "earlier"
    session_dir.mkdir(parents=True)
    with SessionStore(session_dir / "session.sqlite", session="earlier") as store:
        store.record(Exchange(direction="to_eprom", actor="system", method="POST",
                              url="http://127.0.0.1:1/promswebapi/api/v2/formorder"))
    (session_dir / "outcomes.json").write_text("the earlier session's", encoding="utf-8")
    code = run_session(load_target(path), path, report_root=session_dir.parent, quiet=True, session_dir=session_dir,
                       doctor=False)
    assert code == 4
    assert "already holds a recorded session (1 exchanges)" in capfd.readouterr().err
    assert (session_dir / "outcomes.json").read_text(encoding="utf-8") == "the earlier session's"
    assert sorted(p.name for p in session_dir.iterdir() if not p.name.startswith("session.sqlite")) == [
        "outcomes.json"]
