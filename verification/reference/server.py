"""Running the reference system in its own process, on a real loopback socket.

:func:`start_reference_system` runs ``python -m verification.reference --child`` and returns once the
server accepts connections on a port the OS chose. The settings (with the API key) travel on the child's
stdin, never on its command line; the child announces readiness on stdout after uvicorn's startup.
Closing the child's stdin (or the parent dying) makes it shut down; :meth:`ReferenceSystem.stop` is
bounded (end of stdin, then terminate, then kill). Binding, readiness and stopping are the kit's one
serving helper's (:mod:`verification.serving`).

Exceptions: :class:`ReferenceSystemError` (did not start, or died while starting).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from verification.serving import ChildNotReady, ChildServer, announce_ready, bind, ready_server, start_child, url_of

from ..errors import EpromVerifyError
from .app import build_app
from .behaviour import CORRECT, Behaviour, variant
from .runtime import ReferenceSettings

__all__ = [
    "ReferenceSystem",
    "ReferenceSystemError",
    "run_reference_system",
    "start_reference_system",
    "serve_forever",
    "serve_child",
]

_STARTUP_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0


class ReferenceSystemError(EpromVerifyError, RuntimeError):
    """The reference system did not come up."""


def serve_forever(settings: ReferenceSettings, sock: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve on ``sock`` in this thread until interrupted (Ctrl-C / SIGTERM)."""
    ready_server(build_app(settings), on_ready).run(sockets=[sock])


def serve_child(stdin: IO[str], stdout: IO[str]) -> None:
    """The child's side: settings from ``stdin`` (one JSON line), the readiness line on ``stdout``,
    shut down when ``stdin`` reaches its end."""
    wanted = json.loads(stdin.readline())
    settings = ReferenceSettings(
        wanted["eprom_base_url"], wanted["api_key"], Behaviour(**wanted["behaviour"]), wanted["db_path"]
    )
    sock = bind(wanted["host"])
    port = sock.getsockname()[1]
    server = ready_server(build_app(settings), lambda: announce_ready(url_of(wanted["host"], port), port, stdout))
    threading.Thread(target=_exit_at_end_of, args=(stdin, server), daemon=True).start()
    server.run(sockets=[sock])


def _exit_at_end_of(stdin: IO[str], server: Any) -> None:
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
    _child: ChildServer = field(repr=False)

    @property
    def trigger_url(self) -> str:
        return f"{self.base_url}/_trigger/order"

    def probe_url(self, kind: str, form_order_id: str = "{formOrderId}") -> str:
        """``status``, ``answers``, ``signed``, ``channel``, ``orders`` or ``order``; the template form by default."""
        return f"{self.base_url}/_probe/{kind}/{form_order_id}"

    def bestillersystem_config(self) -> dict[str, Any]:
        """The ``bestillersystem`` section of a target file describing this system."""
        capabilities = "formorder message personvern sms email signing on_behalf_of patient_initiated paper"
        return {
            "callback_base_url": self.base_url,
            "trigger": {"url": self.trigger_url, **{kind: {"url": f"{self.base_url}/_trigger/{kind}"}
                                                     for kind in ("message", "sms", "email", "personvern")}},
            "probe": {kind: self.probe_url(kind) for kind in ("status", "answers", "signed", "channel", "orders")},
            "capabilities": capabilities.split(),
            "accepts_unknown_orders": False,
        }

    @property
    def alive(self) -> bool:
        return self._child.alive

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Graceful stop (end of stdin), then terminate, then kill; every step bounded."""
        self._child.stop(timeout)

    def __enter__(self) -> ReferenceSystem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _resolve(behaviour: Behaviour | str) -> Behaviour:
    return variant(behaviour) if isinstance(behaviour, str) else behaviour


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
    wanted = asdict(settings) | {"behaviour": asdict(settings.behaviour), "host": host}
    # stdin stays open: its end (the parent stopped, or died) shuts the child down
    child = start_child("reference system", "-m", "verification.reference", "--child",
                        stdin_text=json.dumps(wanted) + "\n", keep_stdin_open=True)
    try:
        ready = child.wait_ready(startup_timeout)
    except ChildNotReady as exc:
        child.stop(2.0)
        reason = "exited while starting" if exc.exited else f"did not start within {startup_timeout:.0f} s"
        raise ReferenceSystemError(f"reference system {reason} (exit code {child.process.returncode})") from None
    return ReferenceSystem(ready["url"], ready["port"], settings.behaviour, db_path, child)


@contextmanager
def run_reference_system(**options: Any) -> Iterator[ReferenceSystem]:
    """``with run_reference_system(eprom_base_url=..., api_key=...) as ref: ref.base_url``; the options
    are :func:`start_reference_system`'s; stopped (bounded) at the end."""
    system = start_reference_system(**options)
    try:
        yield system
    finally:
        system.stop()
