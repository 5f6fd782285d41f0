"""No process a trigger or probe command starts outlives the run, whatever it does.

A process group is not enough: ``setsid`` leaves the group (and the session), and a double fork leaves the
command's tree, re-parenting the grandchild to init. So, on Linux, the kit becomes a *child subreaper*
(``prctl(PR_SET_CHILD_SUBREAPER)``) while it runs commands: an orphan is re-parented to the kit instead of
init, and stays in the kit's process tree, where a walk of ``/proc`` finds it.

Which processes are the commands'? Each command starts a session of its own (``start_new_session``), and
no process can join an existing session: every process a command starts is in that session, or (after
``setsid``) in a new one. The kit's own children (the simulator) stay in the kit's session. So the strays of
a run are the kit's descendants outside its session, with all their descendants, except the sessions of
commands another runner still runs. They are killed (SIGKILL) and, being the kit's children now, reaped.

Only the kit's own descendants are ever killed. A command's number (its pid, group and session id) is free
for the system to give to a new process once all of the command's processes have ended; a stranger that got
the number (another kit process, a user's program) is not in the kit's tree, so it is spared.

Elsewhere (no ``prctl``, no ``/proc``), the process group is what is killed, and a ``setsid`` escapes it.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import time
from collections import defaultdict
from collections.abc import Collection

__all__ = ["adopt_orphans", "adopting", "kill_group", "kill_strays", "release_orphans"]

_PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
_REAP_WITHIN_S = 2.0  # a SIGKILLed process is gone at once; one stuck in the kernel (D state) is left to exit
_subreaper = False


def adopt_orphans() -> bool:
    """Make this process the subreaper of its descendants (Linux); False where that is not possible."""
    global _subreaper
    if not _subreaper:
        _subreaper = _prctl_subreaper(1)
    return _subreaper


def adopting() -> bool:
    """This process is the subreaper now (a command ran, and its runner has not closed)."""
    return _subreaper


def release_orphans() -> None:
    """Stop adopting (once no command of this process runs and its strays are killed)."""
    global _subreaper
    if _subreaper:
        _prctl_subreaper(0)
        _subreaper = False


def _prctl_subreaper(on: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux, or no prctl in the C library
        return False


def kill_group(group: int) -> None:
    """SIGKILL the processes of process group ``group`` that descend from this process; without ``/proc``,
    the whole group (``killpg``)."""
    table = _process_table()
    if not table:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # already gone (PermissionError: macOS reports a group of zombies so)
        return
    children = _children(table)
    for pid in _descendants(os.getpid(), children):
        if table[pid][3] == group and table[pid][2] != b"Z":
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def kill_strays(sessions: Collection[int], *, spare: Collection[int] = (), adopted: bool = True) -> int:
    """SIGKILL every process of these command ``sessions`` and all their descendants; with ``adopted``, also
    every descendant of this process outside its own session (a ``setsid`` escapee re-parented here) whose
    session is not in ``spare`` (commands still running). Reaps the killed; returns how many there were.

    Passes repeat until one finds nothing (at most :data:`_SWEEP_S`): a process forked between the snapshot
    of ``/proc`` and the kill of its parent is not in that snapshot, and shows up re-parented in the next."""
    deadline, killed = time.monotonic() + _SWEEP_S, 0
    while True:
        alive, left = _kill_once(sessions, spare=spare, adopted=adopted)
        killed += alive
        if not left or time.monotonic() > deadline:  # until a pass finds nothing, not even a zombie to reap
            return killed


_SWEEP_S = 2.0


def _kill_once(sessions: Collection[int], *, spare: Collection[int], adopted: bool) -> tuple[int, int]:
    """One pass: (how many were alive and killed, how many processes it found to kill or reap)."""
    table = _process_table()
    me, own_session = os.getpid(), os.getsid(0)
    children = _children(table)
    mine = _descendants(me, children)  # a stranger that got a command's old number is not in here
    roots = {pid for pid in mine if table[pid][1] in sessions}
    if adopted:
        roots |= {pid for pid in mine if table[pid][1] not in {own_session, *spare}}
    victims = (roots | {pid for root in roots for pid in _descendants(root, children)}) - {me}
    alive = {pid for pid in victims if table[pid][2] != b"Z"}  # a zombie is dead already: only to be reaped
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    _reap(victims - set(sessions))  # a command itself is its Popen's to wait for
    return len(alive), len(victims - set(sessions))


def _children(table: dict[int, tuple[int, int, bytes, int]]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, *_) in table.items():
        children[parent].append(pid)
    return children


def _descendants(root: int, children: dict[int, list[int]]) -> set[int]:
    found, todo = set(), list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, ())
    return found


def _process_table() -> dict[int, tuple[int, int, bytes, int]]:
    """``pid: (parent pid, session id, state, process group)`` of every process /proc shows; empty without
    /proc."""
    table = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    for name in entries:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()  # the command name may hold ") "
            except (OSError, IndexError):
                continue  # gone meanwhile
            table[int(name)] = (int(fields[1]), int(fields[3]), fields[0], int(fields[2]))  # after ")": state, ppid, pgrp, session
    return table


def _reap(pids: Collection[int]) -> None:
    """Collect the exit of killed children (no zombies), each waited for on its pidfd, all within a bound."""
    deadline = time.monotonic() + _REAP_WITHIN_S
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = None  # reaped meanwhile
        try:
            if fd is not None:
                select.select([fd], [], [], max(deadline - time.monotonic(), 0))
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass  # not this process's child: its own parent reaps it
        finally:
            if fd is not None:
                os.close(fd)
