"""Serving on loopback, one way for everything the kit serves: the embedded simulator and the reference
system (each in its own process), the relay (in a thread or in the foreground), and the tests' servers.

- **bind**: :func:`bind` listens on ``host:port``; port 0 lets the OS choose, read it back from the socket
  (:func:`socket_url`); :func:`port_is_free` says beforehand whether a fixed port can be had;
- **port choice**: :func:`free_port` picks a port for a target file that needs one before the server starts;
- **ready**: a uvicorn server calls ``on_ready`` once it accepts connections (:func:`ready_server`); in a
  thread the starter waits on that event (:func:`start_in_thread`), from a child process on the JSON line
  :func:`announce_ready` prints (:meth:`ChildServer.wait_ready`), both bounded, never a fixed sleep;
- **stop**: bounded: a thread's server is asked to exit and joined; a child process gets the end of its
  stdin (if it listens for it), then SIGTERM, then SIGKILL (:meth:`ChildServer.stop`).

Exception hierarchy::

    RuntimeError
     └── ServingError        could not listen, or not ready in time
          └── ChildNotReady  a child process exited before it was ready, or was not ready in time
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import EpromVerifyError

__all__ = [
    "READY_EVENT",
    "ChildNotReady",
    "ChildServer",
    "ServerThread",
    "ServingError",
    "announce_ready",
    "bind",
    "child_environment",
    "free_port",
    "port_is_free",
    "ready_server",
    "serve_in_thread",
    "socket_url",
    "start_child",
    "start_in_thread",
    "url_of",
]

READY_EVENT = "eprom-ready"  # the event of the readiness line a child prints
STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
_FIXED_PORTS_FROM = 20000  # free_port's range starts here and ends where the ephemeral range begins
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the directory holding ``verification/``


class ServingError(EpromVerifyError, RuntimeError):
    """A server could not listen (``reason`` says why, as the OS put it), or was not ready in time."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class ChildNotReady(ServingError):
    """A child process did not announce readiness: it exited first (``child_exit_code``), or took too long."""

    def __init__(self, message: str, *, exited: bool, exit_code: int | None) -> None:
        super().__init__(message)
        self.exited, self.child_exit_code = exited, exit_code


# --- bind and port choice ----------------------------------------------------------------------------------


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def socket_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (the port the OS chose, for port 0)."""
    host, port = sock.getsockname()[:2]
    return url_of(host, port)


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: the OS chooses), inheritable by a child process.

    Raises :class:`ServingError` ("cannot listen on …") when the address cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then; without it, Nagle's
    # algorithm and delayed ACKs add ~40 ms to every response sent in two writes.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ServingError(f"cannot listen on {url_of(host, port)}: {reason}", reason=reason) from None
    sock.set_inheritable(True)
    return sock


def port_is_free(host: str, port: int) -> None:
    """Raise :class:`ServingError` (as serving would) when ``host:port`` cannot be listened on; port 0 is."""
    if port:
        bind(host, port).close()


def free_port(host: str = "127.0.0.1") -> int:
    """A free port for a server to bind moments later (target files need a port before it starts).

    Taken below the kernel's ephemeral range: a port the OS hands out for ``bind(0)`` or as the source
    port of an outgoing connection can be taken by another process between this probe and the bind
    (seen in CI: two self-test sessions in parallel, thousands of loopback connections each)."""
    candidates = range(_FIXED_PORTS_FROM, ephemeral_range()[0])
    chooser = random.SystemRandom()  # not the seeded module RNG: parallel processes must not agree
    if len(candidates) > 1000:
        for port in (chooser.choice(candidates) for _ in range(50)):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    continue
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:  # an unusual range: the OS's pick
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default; IANA's 49152 on other systems leaves even more below


# --- a uvicorn server that says when it is ready --------------------------------------------------------


def ready_server(app: Any, on_ready: Callable[[], None], **options: Any) -> Any:
    """A ``uvicorn.Server`` for ``app`` that calls ``on_ready()`` once it accepts connections.

    ``options`` go to ``uvicorn.Config`` (quiet, lifespan on and a 2 s graceful shutdown by default)."""
    import uvicorn

    class _ReadyServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                on_ready()

    settings = {"log_level": "warning", "access_log": False, "lifespan": "on", "timeout_graceful_shutdown": 2,
                **options}
    return _ReadyServer(uvicorn.Config(app, **settings))


@dataclass
class ServerThread:
    """A uvicorn server running in a daemon thread of this process."""

    server: Any
    thread: threading.Thread

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Ask the server to exit and wait for it, at most ``timeout`` seconds."""
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(app: Any, sockets: list[socket.socket], *, name: str = "eprom-server",
                    startup_timeout: float = STARTUP_TIMEOUT_S, **options: Any) -> ServerThread:
    """Serve ``app`` on ``sockets`` in a thread; return once it accepts connections (bounded).

    Raises :class:`ServingError` when it did not start (its own error, or not in time)."""
    ready = threading.Event()
    server = ready_server(app, ready.set, **options)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=sockets))
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread below
            failure.append(exc)
        finally:
            ready.set()

    running = ServerThread(server, threading.Thread(target=run, name=name, daemon=True))
    running.thread.start()
    if not ready.wait(startup_timeout) or failure or not server.started:
        running.stop()
        why = failure[0] if failure else f"not ready within {startup_timeout:g} s"
        raise ServingError(f"{name} did not start: {why}")
    return running


@contextmanager
def serve_in_thread(app: Any, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[str]:
    """``app`` served in a thread on ``host:port`` (port 0: the OS chooses); yields its base URL, and stops
    it (bounded) at the end. ``options`` as for :func:`start_in_thread`."""
    sock = bind(host, port)
    try:
        running = start_in_thread(app, [sock], **options)
        try:
            yield socket_url(sock)
        finally:
            running.stop()
    finally:
        sock.close()


# --- a server in a child process ----------------------------------------------------------------------------


def announce_ready(url: str, port: int, stream: IO[str] | None = None) -> None:
    """The child's readiness line, the one :meth:`ChildServer.wait_ready` waits for."""
    line = json.dumps({"event": READY_EVENT, "url": url, "port": port, "pid": os.getpid()})
    print(line, file=stream or sys.stdout, flush=True)


def child_environment() -> dict[str, str]:
    """The parent's environment, with this package importable even when it is not installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(_PACKAGE_ROOT), env.get("PYTHONPATH"))))
    return env


@dataclass
class ChildServer:
    """A server in a child process (``python -m …``): its readiness line, and a bounded stop."""

    what: str  # "simulator", "reference system": for the messages
    process: subprocess.Popen[str]
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue, repr=False)
    _reader: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> dict[str, Any]:
        """The child's readiness line (``url``, ``port``, ``pid``), waited for at most ``timeout`` seconds.

        Raises :class:`ChildNotReady`; the child is left running (stop it)."""
        try:
            while True:
                line = self._lines.get(timeout=timeout)
                if line is None:
                    code = self._exit_code()
                    raise ChildNotReady(f"{self.what} exited with code {code} before it was ready",
                                        exited=True, exit_code=code)
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # a stray line on stdout; the readiness line is JSON
                if isinstance(message, dict) and message.get("event") == READY_EVENT:
                    return message
        except queue.Empty:
            raise ChildNotReady(f"{self.what} not ready within {timeout:g} s", exited=False,
                                exit_code=self.process.poll()) from None

    def _exit_code(self) -> int | None:
        try:
            return self.process.wait(STOP_TIMEOUT_S)  # its output has ended: the exit follows at once
        except subprocess.TimeoutExpired:
            return None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """End of stdin (a child that listens for it shuts down), SIGTERM, then SIGKILL; each step bounded."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)  # EOF follows the exit
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_child(what: str, *arguments: str, stdin_text: str = "", keep_stdin_open: bool = False,
                stderr: IO[str] | None = None) -> ChildServer:
    """Start ``python *arguments`` (``-m module …``), handing it ``stdin_text`` on its stdin (settings
    holding a key go there, never on a command line or in a file); ``keep_stdin_open`` leaves the pipe
    open, so the child can shut down when it ends (the parent stopped or died)."""
    process = subprocess.Popen([sys.executable, *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=stderr, text=True, env=child_environment())
    assert process.stdin is not None
    try:
        process.stdin.write(stdin_text)
        process.stdin.flush()
        if not keep_stdin_open:
            process.stdin.close()
    except BrokenPipeError:
        pass  # the child died at once: waiting for it to be ready says so
    return ChildServer(what, process)
