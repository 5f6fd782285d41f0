"""Running the simulator: in its own process (for tests and the kit) or in the foreground (``simulate``).

It runs in a separate process because a simulator thread inside the test process slows 43× while
hypothesis generates data in the main thread (the GIL). :func:`run_simulator` starts
``python -m verification.simulator`` with the settings on its stdin; the child binds the port (0 = the
OS chooses), and prints one JSON readiness line once uvicorn accepts connections. The parent waits for that
line on the pipe (bounded), so it returns only when the simulator is reachable. The child's stderr goes to
a file; if the start fails, its text is in the :class:`SimulatorStartError`. Stopping is bounded:
SIGTERM, then SIGKILL after ``stop_timeout`` seconds. Binding, readiness and stopping are the kit's one
serving helper's (:mod:`verification.serving`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from verification.serving import ServingError, bind, ready_server, start_child, url_of

from ..errors import EpromVerifyError
from ..spec.routes import CALLBACK_PATHS, DOCUMENTED_PATHS
from .settings import SimulatorSettings

__all__ = ["BUSY_PORT_FIX", "SimulatorHandle", "SimulatorStartError", "SimulatorAdminError", "run_simulator", "serve"]


BUSY_PORT_FIX = "free that port or give eprom.listen another one"


class SimulatorStartError(EpromVerifyError, RuntimeError):
    """The simulator process did not come up; the message holds its stderr."""


class SimulatorAdminError(EpromVerifyError, RuntimeError):
    """An admin call answered with an error (a refusal is 409 with ``body["refused"]``)."""

    def __init__(self, status: int, body: Any):
        self.status, self.body = status, body
        super().__init__(f"simulator admin call failed with {status}: {body}")


@dataclass
class SimulatorHandle:
    """A running simulator: its URLs, its process id, and the kit's client for the admin API.

    ``settings`` are those it was started with; :meth:`configure` changes the running simulator only."""

    base_url: str
    port: int
    pid: int
    settings: SimulatorSettings
    stderr_path: Path | None = None
    _client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Admin calls deliver callbacks synchronously: allow for a whole retry sequence.
        budget = self.settings.retry.worst_case_s() + self.settings.callback_delay_s + 10
        self._client = httpx.Client(base_url=self.admin_url, timeout=budget, trust_env=False)

    @property
    def admin_url(self) -> str:
        return self.base_url + "/_sim"

    @property
    def api_base_url(self) -> str:
        """What the ordering system configures as ePROM's base URL (the test environment's prefix)."""
        return self.base_url + "/promswebapi"

    def close(self) -> None:
        self._client.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path and self.stderr_path.exists() else ""

    # --- admin API -----------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, json_body: Any = None, params: Any = None, timeout: float | None = None
    ) -> Any:
        from verification.deadline import ensure_time_left

        kwargs: dict[str, Any] = {"json": json_body, "params": params}
        left = ensure_time_left(f"simulator {method} {path}")  # admin calls deliver callbacks: they wait too
        if left is not None:  # a margin: a long-poll cut to the deadline answers right at it
            timeout = min(timeout or self._client.timeout.read or left, left + 0.5)
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = self._client.request(method, path, **kwargs)
        body = response.json() if response.content else None
        if response.status_code >= 400:
            raise SimulatorAdminError(response.status_code, body)
        return body

    def complete(
        self, form_order_id: str, *, answers: dict[str, Any] | None = None, sign: bool = False,
        event_log: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"formOrderId": form_order_id, "sign": sign}
        if answers is not None:
            body["answers"] = answers
        if event_log is not None:
            body["eventLog"] = event_log
        return self._call("POST", "/citizen/complete", json_body=body)

    def expire(self, form_order_id: str) -> dict[str, Any]:
        return self._call("POST", "/citizen/expire", json_body={"formOrderId": form_order_id})

    def paper(self, form_order_id: str, *, answers: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"formOrderId": form_order_id}
        if answers is not None:
            body["answers"] = answers
        return self._call("POST", "/citizen/paper", json_body=body)

    def initiate(
        self, form_id: str, national_id: str, *, answers: dict[str, Any] | None = None, sign: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"formId": form_id, "nationalId": national_id, "sign": sign}
        if answers is not None:
            body["answers"] = answers
        return self._call("POST", "/citizen/initiate", json_body=body)

    def privacy_change(
        self, national_id: str, status: str, *, setting_id: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        body = {"nationalId": national_id, "status": status}
        body |= {k: v for k, v in (("settingId", setting_id), ("name", name)) if v is not None}
        return self._call("POST", "/privacy-change", json_body=body)

    def inject_fault(
        self, endpoint: str, kind: str, *, count: int = 1, delay_s: float = 0.0, message: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"endpoint": endpoint, "kind": kind, "count": count, "delay_s": delay_s}
        if message is not None:
            body["message"] = message
        return self._call("POST", "/faults", json_body=body)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self._call("POST", "/config", json_body=changes)

    def orders(self) -> list[dict[str, Any]]:
        return self._call("GET", "/orders")

    def order(self, form_order_id: str, *, settled: bool = False) -> dict[str, Any]:
        """The order's state; ``settled=True`` waits until its C1 was delivered, skipped or given up."""
        params = {"settled": "true"} if settled else None
        return self._call("GET", f"/orders/{form_order_id}", params=params)

    def letters(self) -> list[dict[str, Any]]:
        return self._call("GET", "/letters")

    def last_exchange_id(self) -> int:
        return self._call("GET", "/health")["last_exchange_id"]

    def exchanges(self, *, after: int = 0, **filters: Any) -> list[dict[str, Any]]:
        return self._call("GET", "/exchanges", params={"after": after, **filters})

    def wait(self, *, after: int = 0, timeout: float = 10.0, **filters: Any) -> list[dict[str, Any]]:
        """Matching exchanges recorded after ``after``, as soon as one exists; ``[]`` at the timeout
        (cut to what is left of the run's deadline, budgets.run_s)."""
        from verification.deadline import capped

        timeout = capped(timeout)
        params = {"after": after, "timeout": timeout, **filters}
        return self._call("GET", "/wait", params=params, timeout=timeout + 10)  # cut to the run's deadline


# --- the child process --------------------------------------------------------------------------------


@contextmanager
def run_simulator(
    settings: SimulatorSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 20.0,
    stop_timeout: float = 5.0,
) -> Iterator[SimulatorHandle]:
    """Start the simulator in its own process; yield its handle once it accepts connections."""
    workdir = Path(tempfile.mkdtemp(prefix="eprom-simulator-"))
    stderr_path = workdir / "stderr.txt"
    # The settings hold the API key: handed over through the child's stdin, never a file that a kill -9
    # would leave behind.
    with stderr_path.open("w") as stderr:
        child = start_child("simulator", "-m", "verification.simulator", "--settings", "-", "--host", host,
                            "--port", str(port), stdin_text=settings.to_json(), stderr=stderr)
    handle: SimulatorHandle | None = None
    try:
        try:
            ready = child.wait_ready(startup_timeout)
        except ServingError as exc:
            child.stop(stop_timeout)
            stderr_text = stderr_path.read_text(errors="replace")
            raise SimulatorStartError(f"{exc}\n--- simulator stderr ---\n{stderr_text}") from None
        handle = SimulatorHandle(ready["url"], ready["port"], child.process.pid, settings, stderr_path)
        yield handle
    finally:
        if handle is not None:
            handle.close()
        child.stop(stop_timeout)
        shutil.rmtree(workdir, ignore_errors=True)


# --- serving ----------------------------------------------------------------------------------------------


def _bind(host: str, port: int) -> Any:
    try:
        return bind(host, port)
    except ServingError as exc:
        raise SimulatorStartError(str(exc)) from None


def port_is_free(host: str, port: int) -> None:
    """Raise :class:`SimulatorStartError` (as starting would) when ``host:port`` cannot be listened on."""
    if port:
        _bind(host, port).close()


def serve_blocking(
    settings: SimulatorSettings, host: str, port: int, on_ready: Callable[[str, int], None],
    *, on_exchange: Callable[[Any], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; ``on_ready(url, port)`` once connections are accepted; ``on_exchange``
    sees every recorded exchange (the live request log of ``eprom-verify simulate``)."""
    from .app import create_app

    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    url = url_of(host, bound_port)
    app = create_app(settings)
    app.state.simulator.log.on_record = on_exchange
    ready_server(app, lambda: on_ready(url, bound_port)).run(sockets=[sock])


def serve(settings: SimulatorSettings, host: str = "127.0.0.1", port: int = 18080, *, urls: bool = False) -> None:
    """Run the simulator in the foreground for ``eprom-verify simulate``, printing where it listens and then
    a line per request (:mod:`.request_log`); ``urls`` adds every URL to point the system at."""
    from .request_log import printer

    def tell(url: str, bound_port: int) -> None:
        print(f"ePROM simulator listening on {url}", flush=True)
        print(f"  point the ordering system's ePROM base URL at {url}/promswebapi (also /PromsWebApi, /webapi)")
        print(f"  callbacks go to {settings.callback_base_url}")
        print(f"  admin API: {url}/_sim/ (orders, citizen/complete, faults, wait)")
        if urls:
            base = settings.callback_base_url.rstrip("/")
            print("  URLs:")
            for name, where in (
                ("ePROM base URL (your system's setting)", f"{url}/promswebapi"),
                *((f"{endpoint} {what}", f"{method} {url}/promswebapi{path}")
                  for endpoint, (method, path, what) in DOCUMENTED_PATHS.items()),
                ("C1/C2 callbacks to you", f"PUT {base}{CALLBACK_PATHS['C1']}"),
                ("C3 callbacks to you", f"PUT {base}{CALLBACK_PATHS['C3']}"),
                ("C4 callbacks to you", f"PUT {base}{CALLBACK_PATHS['C4']}"),
                ("what the kit calls on you (OpenAPI)", f"{url}/_sim/openapi.json"),
                ("admin API index", f"{url}/_sim/"),
                ("exchanges so far", f"{url}/_sim/exchanges"),
            ):
                print(f"    {name:<40} {where}")
        if settings.store_path:
            print(f"  exchanges recorded in {settings.store_path}")
        print("  stop with Ctrl+C; every request is logged below", flush=True)

    serve_blocking(settings, host, port, tell, on_exchange=printer())
