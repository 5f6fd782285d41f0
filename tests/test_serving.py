"""The one serving helper: bind reads the OS's port back, a busy port is a clear error, readiness is waited
for (bounded) and a child that will not stop is killed (bounded)."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from verification.serving import (
    ChildNotReady,
    ChildServer,
    ServingError,
    bind,
    free_port,
    port_is_free,
    serve_in_thread,
    start_child,
)


def test_port_zero_is_read_back_and_a_busy_port_is_named() -> None:
    with bind("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        assert port > 0
        with pytest.raises(ServingError) as busy:
            port_is_free("127.0.0.1", port)
    assert str(busy.value).startswith(f"cannot listen on http://127.0.0.1:{port}: ")
    assert busy.value.reason and busy.value.reason in str(busy.value)
    port_is_free("127.0.0.1", 0)  # port 0 is always to be had


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    with bind("127.0.0.1", port) as sock:
        assert sock.getsockname()[1] == port


def test_an_app_served_in_a_thread_answers_until_it_is_stopped() -> None:
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    with serve_in_thread(app) as url:
        assert httpx.get(url, trust_env=False).text == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False, timeout=2)


@pytest.mark.parametrize(("code", "exited", "message"), [
    ("import sys; sys.exit(3)", True, "exited with code 3 before it was ready"),
    ("import time; time.sleep(30)", False, "not ready within 0.5 s"),
], ids=["exits", "hangs"])
def test_a_child_that_never_says_ready_is_reported_in_bounded_time(code: str, exited: bool, message: str) -> None:
    child = _python_child(code)
    started = time.monotonic()
    try:
        with pytest.raises(ChildNotReady) as failed:
            child.wait_ready(0.5)
    finally:
        child.stop(1.0)
    assert message in str(failed.value) and failed.value.exited is exited
    assert time.monotonic() - started < 8 and not child.alive


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    child = _python_child("import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                          "from verification.serving import announce_ready\nannounce_ready('x', 1)\ntime.sleep(60)")
    assert child.wait_ready(20)["port"] == 1
    started = time.monotonic()
    child.stop(0.5)
    assert not child.alive and time.monotonic() - started < 3


def _python_child(code: str) -> ChildServer:
    return start_child("test child", "-c", code)


def test_socket_is_closed_by_the_context() -> None:
    with bind() as sock:
        pass
    assert sock.fileno() == -1 and isinstance(sock, socket.socket)
