"""Trigger and probe commands, bounded: the process side of the kit's path toward the system.

Each command runs in a new session (its own process group) with a deadline and a cap on what it prints.
On timeout or too much output the whole group is killed at once; whatever the command left running
(a forked worker, a sleeping grandchild) is killed when the runner closes at the end of the run, or
when the kit's process exits. A command kind that timed out :data:`~.client.CIRCUIT_THRESHOLD` times in
a row is not run again (the cases that need it fail at once, saying why).

A process that leaves its group on purpose (``setsid``, a double fork) is beyond a process group's reach:
on Linux the kit adopts such orphans and kills them too (:mod:`.reaper`).
"""

from __future__ import annotations

import atexit
import os
import selectors
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .client import RUN_DEADLINE_PASSED, CircuitBreaker, run_time_left
from .reaper import adopt_orphans, adopting, kill_group, kill_strays, release_orphans

__all__ = ["MAX_OUTPUT_BYTES", "CommandResult", "CommandRunner"]

MAX_OUTPUT_BYTES = 1024 * 1024  # stdout and stderr together; a trigger's answer is a line of JSON
_READ = 64 * 1024

_live_groups: set[int] = set()  # every group a runner started and has not killed yet, in this process


@dataclass
class CommandResult:
    """``returncode`` None when the command did not finish (``error`` says why)."""

    returncode: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    error: str | None = None
    timed_out: bool = False


class CommandRunner:
    """Runs commands for the kit, each bounded; :meth:`close` kills every group still alive."""

    def __init__(self, *, max_output: int = MAX_OUTPUT_BYTES) -> None:
        self.max_output = max_output
        self.breaker = CircuitBreaker()
        self._groups: set[int] = set()

    def run(self, command: tuple[str, ...] | list[str], *, stdin: bytes = b"", timeout: float,
            cwd: Path | None = None, env: dict[str, str] | None = None, route: str = "") -> CommandResult:
        route = route or f"command {command[0] if command else ''}"
        refusal = self.breaker.refusal(route)
        if refusal:
            return CommandResult(error=refusal)
        left = run_time_left()
        timeout = timeout if left is None else min(timeout, left)
        if timeout <= 0:
            return CommandResult(error=f"not run: {RUN_DEADLINE_PASSED}")
        adopt_orphans()  # before the command can leave an orphan
        try:
            process = subprocess.Popen(
                list(command), cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True,
            )
        except (OSError, ValueError) as exc:
            return CommandResult(error=f"{type(exc).__name__}: {exc}")
        self._groups.add(process.pid)
        _live_groups.add(process.pid)
        result = _communicate(process, stdin, time.monotonic() + timeout, self.max_output)
        if result.returncode is None:  # timed out or printed too much: the whole group goes now
            self._kill(process.pid)
            process.wait()
            result.error = (f"timeout after {round(timeout, 1):g} s; the command and its processes were killed"
                            if result.timed_out else
                            f"printed more than {self.max_output:,} bytes; the command and its processes were killed")
        self.breaker.record(route, timed_out=result.timed_out)
        return result

    def close(self) -> None:
        """Kill every process this runner's commands started: leftover workers, grandchildren, and whatever
        left the group (``setsid``, a double fork) and was adopted."""
        mine, self._groups = self._groups, set()
        for group in mine:
            _kill_group(group)
        kill_strays(mine, spare=_live_groups)
        if not _live_groups:
            release_orphans()

    def _kill(self, group: int) -> None:
        _kill_group(group)
        kill_strays({group}, adopted=False)  # its session and its tree, even what left the group
        self._groups.discard(group)


def _kill_group(group: int) -> None:
    kill_group(group)
    _live_groups.discard(group)


@atexit.register
def _kill_leftovers() -> None:
    groups = set(_live_groups)
    for group in groups:
        _kill_group(group)
    if groups or adopting():  # a process that never ran a command has no strays of the kit's
        kill_strays(groups)


def _communicate(process: subprocess.Popen[bytes], stdin: bytes, deadline: float, cap: int) -> CommandResult:
    """Feed stdin, collect stdout/stderr up to ``cap`` bytes, until the command exits or the deadline.

    Stops reading once the command itself has exited and its pipes have nothing more ready: a grandchild
    holding the pipes open must not keep the kit waiting."""
    assert process.stdin and process.stdout and process.stderr
    out_fd, err_fd = process.stdout.fileno(), process.stderr.fileno()
    out = {out_fd: bytearray(), err_fd: bytearray()}
    result = CommandResult()
    with selectors.DefaultSelector() as selector:
        for fd in out:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        pending, stdin_fd = memoryview(stdin), process.stdin.fileno()
        if pending:
            os.set_blocking(stdin_fd, False)
            selector.register(stdin_fd, selectors.EVENT_WRITE)
        else:
            process.stdin.close()
            stdin_fd = -1  # its number may be reused by the pidfd below
        exited = _exit_watch(process, selector)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                result.timed_out = True
                break
            done = process.poll() is not None
            events = selector.select(0 if done else (left if exited else min(left, 0.05)))
            if done and not any(key.fd in out for key, _ in events):
                result.returncode = process.returncode
                break
            for key, _ in events:
                if key.fd == stdin_fd:
                    pending = _feed(process, selector, pending)
                    stdin_fd = stdin_fd if pending else -1
                elif key.fd in out:
                    chunk = _read(key.fd)
                    if chunk == b"":
                        selector.unregister(key.fd)
                    out[key.fd] += chunk or b""
            if sum(map(len, out.values())) > cap:
                break
        if exited is not None:
            os.close(exited)
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()
    result.stdout, result.stderr = bytes(out[out_fd][:cap]), bytes(out[err_fd][:cap])
    return result


def _exit_watch(process: subprocess.Popen[bytes], selector: selectors.BaseSelector) -> int | None:
    """A descriptor readable when the command exits (Linux pidfd), so no polling; None elsewhere."""
    try:
        fd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        return None
    selector.register(fd, selectors.EVENT_READ)
    return fd


def _feed(process: subprocess.Popen[bytes], selector: selectors.BaseSelector, pending: memoryview) -> memoryview:
    assert process.stdin
    fd = process.stdin.fileno()
    try:
        pending = pending[os.write(fd, pending[:_READ]):]
    except BlockingIOError:
        return pending
    except BrokenPipeError:
        pending = pending[:0]  # the command does not read its input: its answer says what it made of that
    if not pending:
        selector.unregister(fd)
        process.stdin.close()
    return pending


def _read(fd: int) -> bytes | None:
    """What the pipe holds (b"" at its end), or None when nothing is there after all."""
    try:
        return os.read(fd, _READ)
    except BlockingIOError:
        return None
