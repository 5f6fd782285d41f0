"""Trigger and probe commands that hang, fork, or print without end: each ends at its deadline or output
cap, its whole process group is killed, and nothing it started outlives the run."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verification.config import parse_target
from verification.recorder.commands import CommandRunner
from verification.recorder.reaper import release_orphans
from verification.recorder.store import SessionStore
from verification.system import SystemUnderVerification


def marker() -> str:
    """A sleep duration no other process on the machine has: how a leftover is found in /proc."""
    return f"4000.{secrets.randbelow(10**9)}"


def alive(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def gone(mark: str, within_s: float = 5.0) -> bool:
    """Wait (bounded) for every process carrying ``mark`` to end: a SIGKILL is delivered asynchronously."""
    deadline = time.monotonic() + within_s
    while alive(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_hanging_command_is_killed_with_its_grandchild_at_the_deadline() -> None:
    mark, runner = marker(), CommandRunner()
    started = time.monotonic()
    result = runner.run(["sh", "-c", f"(sleep {mark} &); sleep {mark}"], timeout=1.0, route="trigger command (order)")
    assert time.monotonic() - started < 3
    assert result.returncode is None and result.timed_out
    assert result.error == "timeout after 1 s; the command and its processes were killed"
    assert gone(mark)


def test_what_a_finished_command_left_running_is_killed_at_the_end_of_the_run() -> None:
    mark, runner = marker(), CommandRunner()
    result = runner.run(["sh", "-c", f"sleep {mark} > /dev/null 2>&1 & echo placed"], timeout=5)
    assert (result.returncode, result.stdout) == (0, b"placed\n")
    assert alive(mark)  # a background worker may live while the run goes on
    runner.close()
    assert gone(mark)


def test_a_stranger_that_got_a_finished_commands_number_is_spared() -> None:
    """Once a command's processes have all ended, the system may give its pid (its group and session id) to
    any new process: another kit process's command, a user's program. A runner closing later kills only its
    own descendants (the CI failure this comes from: a parallel test worker killed another one's command)."""
    mark = marker()
    release_orphans()  # the stranger is re-parented to init, outside this process's tree, as a stranger is
    subprocess.run([sys.executable, "-c", "import subprocess, sys\n"
                    "subprocess.Popen(['sleep', sys.argv[1]], start_new_session=True)", mark], check=True)
    (stranger,) = alive(mark)
    runner = CommandRunner()
    runner._groups.add(stranger)  # as if a command of this runner had had that number, and ended
    try:
        runner.close()
        assert alive(mark) == [stranger]
    finally:
        os.kill(stranger, signal.SIGKILL)
    assert gone(mark)


def test_a_grandchild_holding_the_pipes_does_not_keep_the_kit_waiting() -> None:
    mark, runner = marker(), CommandRunner()
    started = time.monotonic()
    result = runner.run(["sh", "-c", f"sleep {mark} & echo placed"], timeout=10)
    assert time.monotonic() - started < 3 and result.stdout == b"placed\n"
    runner.close()
    assert gone(mark)


def test_a_command_printing_without_end_is_stopped_at_the_output_cap() -> None:
    runner = CommandRunner(max_output=64 * 1024)
    started = time.monotonic()
    result = runner.run([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"], timeout=10)
    assert time.monotonic() - started < 5
    assert result.error == "printed more than 65,536 bytes; the command and its processes were killed"
    assert len(result.stdout) == 64 * 1024


def test_a_trigger_kind_that_keeps_timing_out_is_not_run_again(tmp_path: Path) -> None:
    mark = marker()
    target = command_target({"command": ["sh", "-c", f"sleep {mark}"], "timeout_s": 0.5,
                             "sms": {"command": ["sh", "-c", f"sleep {mark}"]}})
    with SessionStore(tmp_path / "session.sqlite", session="hostile") as store:
        system = SystemUnderVerification(target, store)
        try:
            errors = [system.trigger({"formId": "x"}).error for _ in range(2)]
            started = time.monotonic()
            third = system.trigger({"formId": "x"})
            third_took = time.monotonic() - started
            sms = system.trigger({"formId": "x"}, kind="sms")
        finally:
            system.close()
        recorded = store.count()
    assert all(error.startswith("timeout after 0.5 s") for error in errors)
    assert third.error == "trigger command (order) timed out 2 times; not tried again"
    assert third_took < 0.2
    assert sms.error.startswith("timeout") and recorded == 4  # another kind is still tried
    assert gone(mark)


@pytest.mark.parametrize("stdin", [b"", b"{}" * 200_000], ids=["no-input", "input-larger-than-a-pipe"])
def test_a_command_that_ignores_its_input_still_ends(stdin: bytes) -> None:
    result = CommandRunner().run(["sh", "-c", "exit 3"], stdin=stdin, timeout=5)
    assert result.returncode == 3 and result.error is None


ESCAPES = {
    "setsid": "setsid sleep {mark} > /dev/null 2>&1 &",
    "double-fork": "(sh -c 'sleep {mark} > /dev/null 2>&1 &' &)",
    "setsid-then-double-fork": "setsid sh -c '(sleep {mark} > /dev/null 2>&1 &) &' > /dev/null 2>&1 &",
}


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_process_that_left_the_group_is_killed_at_the_end_of_the_run(escape: str) -> None:
    mark, runner = marker(), CommandRunner()
    result = runner.run(["sh", "-c", escape.format(mark=mark) + "\necho placed"], timeout=5)
    assert result.stdout == b"placed\n"
    assert gone_but_for(mark, expected=1)  # a background worker may live while the run goes on
    runner.close()
    assert gone(mark)
    assert not zombies_of_this_process()


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_process_that_left_the_group_of_a_hanging_command_is_killed_with_it(escape: str) -> None:
    mark, runner = marker(), CommandRunner()
    result = runner.run(["sh", "-c", escape.format(mark=mark) + f"\nsleep {mark}"], timeout=1)
    assert result.timed_out
    runner.close()
    assert gone(mark)


def test_the_simulator_and_other_children_of_the_kit_are_not_strays() -> None:
    """The kit's own children stay in its session: closing a runner leaves them alone."""
    import subprocess

    mark, runner = marker(), CommandRunner()
    own = subprocess.Popen(["sleep", mark])
    try:
        runner.run(["sh", "-c", f"setsid sleep {mark} > /dev/null 2>&1 &"], timeout=5)
        runner.close()
        assert alive(mark) == [own.pid]
    finally:
        own.kill()
        own.wait()


def gone_but_for(mark: str, *, expected: int, within_s: float = 5.0) -> bool:
    """Exactly ``expected`` processes carry ``mark`` once the command's short-lived shells have ended."""
    deadline = time.monotonic() + within_s
    while len(alive(mark)) != expected:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def zombies_of_this_process() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            found.append(int(entry.name))
    return found


def test_what_a_chatty_trigger_prints_is_recorded_cut_short(tmp_path: Path) -> None:
    """A trigger printing 10 MB once made every later artefact of the run megabytes larger (and the bundle slow)."""
    target = command_target({"command": [sys.executable, "-c", "print('x' * 200_000)"]})
    with SessionStore(tmp_path / "session.sqlite", session="chatty") as store:
        system = SystemUnderVerification(target, store)
        try:
            answer = system.trigger({"formId": "x"})
        finally:
            system.close()
    assert answer.status == 0 and answer.error is None
    assert answer.response_body == "x" * 65536 + "…[truncated, 200,001 bytes]"


def command_target(trigger: dict) -> object:
    """A target whose system is reached through this trigger (commands) only."""
    return parse_target({
        "name": "command trigger", "environment": "test", "api_key": "k" * 20,
        "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder"],
                            "trigger": trigger},
        "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                   "paper": False}],
        "test_persons": ["26670271527"],
    })
