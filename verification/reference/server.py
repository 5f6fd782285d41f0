"""Running the reference system in its own process, on a real loopback socket.

:func:`start_reference_system` runs ``python -m verification.reference --child`` and returns once the
server accepts connections on a port the OS chose. The settings (with the API key) travel on the child's
stdin, never on its command line; the child answers ``READY <port>`` on stdout after uvicorn's startup.
Closing the child's stdin (or the parent dying) makes it shut down; :meth:`ReferenceSystem.stop` is
bounded (graceful, then terminate, then kill).

Exceptions: :class:`ReferenceSystemError` (did not start, or died while starting).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import uvicorn

from ..errors import EpromVerifyError
from .app import build_app
from .behaviour import CORRECT, Behaviour, variant
from .runtime import ReferenceSettings

__all__ = [
    "ReferenceSystem",
    "ReferenceSystemError",
    "ReadyServer",
    "run_reference_system",
    "start_reference_system",
    "serve_forever",
    "serve_child",
    "bind_socket",
]

_STARTUP_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding ``verification/``


class ReferenceSystemError(EpromVerifyError, RuntimeError):
    """The reference system did not come up."""


class ReadyServer(uvicorn.Server):
    """uvicorn server that calls ``on_ready`` once it is accepting connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]):
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket; port 0 lets the OS choose (read it back with ``getsockname()``)."""
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _config(settings: ReferenceSettings) -> uvicorn.Config:
    return uvicorn.Config(
        build_app(settings), log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )


def serve_forever(settings: ReferenceSettings, sock: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve on ``sock`` in this thread until interrupted (Ctrl-C / SIGTERM)."""
    ReadyServer(_config(settings), on_ready).run(sockets=[sock])


def serve_child(stdin: IO[str], stdout: IO[str]) -> None:
    """The child's side: settings from ``stdin`` (one JSON line), ``READY <port>`` on ``stdout``,
    shut down when ``stdin`` reaches its end."""
    wanted = json.loads(stdin.readline())
    settings = ReferenceSettings(
        wanted["eprom_base_url"], wanted["api_key"], Behaviour(**wanted["behaviour"]), wanted["db_path"]
    )
    sock = bind_socket(wanted["host"])
    port = sock.getsockname()[1]

    def announce() -> None:
        stdout.write(f"READY {port}\n")
        stdout.flush()

    server = ReadyServer(_config(settings), announce)
    threading.Thread(target=_exit_at_end_of, args=(stdin, server), daemon=True).start()
    server.run(sockets=[sock])


def _exit_at_end_of(stdin: IO[str], server: uvicorn.Server) -> None:
    try:
        while stdin.readline():
            pass
    except (OSError, ValueError):
        pass
    server.should_exit = True


@dataclass
class ReferenceSystem:
    """A running reference ordering system. ``base_url`` is its ``callback_base_url`` (ApiBaseUrl)."""

    base_url: str
    port: int
    behaviour: Behaviour
    db_path: str | None
    _process: subprocess.Popen[str] = field(repr=False)

    @property
    def trigger_url(self) -> str:
        return f"{self.base_url}/_trigger/order"

    def probe_url(self, kind: str, form_order_id: str = "{formOrderId}") -> str:
        """``status``, ``answers``, ``signed``, ``channel`` or ``order``; the template form by default."""
        return f"{self.base_url}/_probe/{kind}/{form_order_id}"

    def bestillersystem_config(self) -> dict[str, Any]:
        """The ``bestillersystem`` section of a target file describing this system."""
        capabilities = "formorder message personvern sms email signing on_behalf_of patient_initiated paper"
        return {
            "callback_base_url": self.base_url,
            "trigger": {"url": self.trigger_url, **{kind: {"url": f"{self.base_url}/_trigger/{kind}"}
                                                     for kind in ("message", "sms", "email", "personvern")}},
            "probe": {kind: self.probe_url(kind) for kind in ("status", "answers", "signed", "channel")},
            "capabilities": capabilities.split(),
            "accepts_unknown_orders": False,
        }

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Graceful stop (end of stdin), then terminate, then kill; every step bounded."""
        _stop(self._process, timeout)

    def __enter__(self) -> ReferenceSystem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stop(process: subprocess.Popen[str], timeout: float) -> None:
    for stream in (process.stdin, process.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    for step in (None, process.terminate, process.kill):
        if step is not None:
            step()
        try:
            process.wait(timeout if step is None else 2.0)
            return
        except subprocess.TimeoutExpired:
            continue


def _resolve(behaviour: Behaviour | str) -> Behaviour:
    return variant(behaviour) if isinstance(behaviour, str) else behaviour


def _child_environment() -> dict[str, str]:
    """The parent's environment, with this package importable even when it is not installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), env.get("PYTHONPATH")]))
    return env


def start_reference_system(
    *,
    eprom_base_url: str,
    api_key: str,
    behaviour: Behaviour | str = CORRECT,
    db_path: str | None = None,
    host: str = "127.0.0.1",
    startup_timeout: float = _STARTUP_TIMEOUT_S,
) -> ReferenceSystem:
    """Start the system in its own process; return once it accepts connections."""
    settings = ReferenceSettings(eprom_base_url, api_key, _resolve(behaviour), db_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "verification.reference", "--child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_child_environment(),
    )
    wanted = asdict(settings) | {"behaviour": asdict(settings.behaviour), "host": host}
    assert process.stdin is not None
    process.stdin.write(json.dumps(wanted) + "\n")
    process.stdin.flush()
    port = _await_ready(process, startup_timeout)
    url_host = f"[{host}]" if ":" in host else host
    return ReferenceSystem(f"http://{url_host}:{port}", port, settings.behaviour, db_path, process)


def _await_ready(process: subprocess.Popen[str], timeout: float) -> int:
    """Read the child's ``READY <port>`` line, bounded by ``timeout``."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = None
    if line and line.startswith("READY "):
        return int(line.split()[1])
    process.kill()  # first, so the reader thread sees the end of stdout before it is closed
    _stop(process, 2.0)
    reason = f"did not start within {timeout:.0f} s" if line is None else "exited while starting"
    raise ReferenceSystemError(f"reference system {reason} (exit code {process.returncode})")


@contextmanager
def run_reference_system(
    *,
    eprom_base_url: str,
    api_key: str,
    behaviour: Behaviour | str = CORRECT,
    db_path: str | None = None,
    host: str = "127.0.0.1",
) -> Iterator[ReferenceSystem]:
    """``with run_reference_system(eprom_base_url=..., api_key=...) as ref: ref.base_url``."""
    system = start_reference_system(
        eprom_base_url=eprom_base_url, api_key=api_key, behaviour=behaviour, db_path=db_path, host=host
    )
    try:
        yield system
    finally:
        system.stop()
