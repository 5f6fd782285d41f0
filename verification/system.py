"""The system under verification as the kit reaches it: callbacks as ePROM, the trigger, and the probe.

Everything goes through :class:`~verification.recorder.client.KitClient`, so each stimulus is recorded
in the session store before any check looks at it.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from dataclasses import dataclass
from typing import Any, Literal

from .deadline import ensure_time_left
from .recorder.client import KitClient
from .recorder.commands import CommandRunner
from .recorder.store import Exchange, SessionStore
from .spec.routes import CALLBACK_PATHS

__all__ = ["ProbeAnswer", "SystemUnderVerification"]

CallbackKind = Literal["C1", "C2", "C3", "C4"]
ProbeKind = Literal["status", "answers", "signed", "channel", "orders"]

@dataclass(frozen=True)
class ProbeAnswer:
    """What the system says it stored; ``problem`` says why the answer could not be read.

    ``count`` answers the counting probes (status, answers, signed); ``value`` the channel probe: the
    ``notificationChannel`` as the system sent it (a name or a number; None when it stored none).
    ``latest``: the status probe's optional current order status (``{"count": n, "latest": "Expired"}``),
    None when not answered."""

    count: int | None
    exchange: Exchange | None
    problem: str = ""
    value: Any = None
    latest: Any = None


class SystemUnderVerification:
    """Stimulate and observe one ordering system described by a target file."""

    def __init__(self, target: Any, store: SessionStore, *, timeout: float | None = None):
        self.target = target
        self.settings = target.bestillersystem
        self.store = store
        self.budget_s = timeout or _callback_budget(target)
        self.client = KitClient(store, timeout=self.budget_s)
        self.commands = CommandRunner()

    def close(self) -> None:
        self.client.close()
        self.commands.close()  # whatever a trigger or probe command left running ends with the run

    # -- callbacks: the kit plays ePROM -------------------------------------------------------------

    def callback_url(self, kind: CallbackKind, *, trailing_slash: bool = False) -> str:
        base = self.settings.callback_base_url.rstrip("/")
        return base + CALLBACK_PATHS[kind] + ("/" if trailing_slash else "")

    def send_callback(
        self,
        kind: CallbackKind,
        body: Any,
        *,
        method: str = "PUT",
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
        trailing_slash: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> Exchange:
        """Deliver one callback as ePROM would (C4 carries the key in a header, C1–C3 in the body)."""
        ensure_time_left(f"callback {kind}")  # past the run's deadline the case stops, however it loops
        headers = dict(headers or {})
        if kind == "C4":
            headers.setdefault("Authorization", f"Basic {self.target.api_key.reveal()}")
        if raw is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return self.client.send(
            method,
            self.callback_url(kind, trailing_slash=trailing_slash),
            json_body=None if raw is not None else body,
            content=raw,
            headers=headers,
            meta={"callback": kind, **(meta or {})},
        )

    # -- trigger: make the system place an order ------------------------------------------------------

    @property
    def has_trigger(self) -> bool:
        """The target names an ``order`` trigger (the system can be made to place an order)."""
        return self.has_trigger_for("order")

    def has_trigger_for(self, kind: str) -> bool:
        trigger = self.settings.trigger
        return trigger is not None and trigger.call(kind) is not None

    def trigger(self, parameters: dict[str, Any], *, kind: str = "order") -> Exchange:
        """Ask the system to place an order (or send a letter, SMS, e-mail, privacy call) with these parameters,
        through the target's trigger of that ``kind`` (a command also gets the kind in ``EPROM_VERIFY_TRIGGER``)."""
        trigger = self.settings.trigger
        call = trigger.call(kind) if trigger is not None else None
        if trigger is None or call is None:
            raise RuntimeError(f"target has no {kind} trigger")
        ensure_time_left(f"{kind} trigger")
        meta = {"purpose": "trigger", "trigger": kind}
        if call.url:
            return self.client.send("POST", call.url, json_body=parameters, timeout=trigger.timeout_s, meta=meta)
        return self._run_command(
            call.command or (), json.dumps(parameters), trigger.timeout_s, meta, env={"EPROM_VERIFY_TRIGGER": kind}
        )

    # -- probe: ask the system what it stored ---------------------------------------------------------

    def has_probe(self, kind: ProbeKind) -> bool:
        probe = self.settings.probe
        return probe is not None and getattr(probe, kind, None) is not None

    def probe(self, kind: ProbeKind, form_order_id: str) -> ProbeAnswer:
        ensure_time_left(f"{kind} probe")
        call = getattr(self.settings.probe, kind)
        meta = {"purpose": "probe", "probe": kind, "formOrderId": form_order_id}
        if call.url:
            exchange = self.client.send("GET", call.url_for(form_order_id), meta=meta)
        else:
            exchange = self._run_command(call.command_for(form_order_id), "", self.budget_s, meta)
        return _read_channel(exchange) if kind == "channel" else _read_probe(exchange)

    def _run_command(
        self, command: tuple[str, ...], stdin: str, timeout: float, meta: dict[str, Any],
        *, env: dict[str, str] | None = None,
    ) -> Exchange:
        """Run a trigger/probe command in the target file's folder, bounded by ``timeout``."""
        exchange = Exchange(
            direction="to_system", actor="kit", method="EXEC", url=f"command:{shlex.join(command)}",
            request_body=stdin, meta=meta,
        )
        started = time.perf_counter()
        source = getattr(self.target, "source", None)
        done = self.commands.run(
            command, stdin=stdin.encode(), timeout=timeout, cwd=source.parent if source else None,
            env={**os.environ, **env} if env else None, route=_command_route(meta),
        )
        exchange.status = done.returncode
        exchange.response_body = _recorded_output(done.stdout)
        exchange.error = done.error
        if done.returncode not in (0, None):
            stderr = done.stderr.decode("utf-8", errors="replace").strip()[:500]
            exchange.error = f"exit {done.returncode}: {stderr}"
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        self.store.record(exchange)
        return exchange


_RECORDED_OUTPUT_BYTES = 64 * 1024  # of a command's stdout; its answer is a line of JSON, the rest is noise


def _recorded_output(stdout: bytes) -> str:
    """What the session records of a command's output: a command that prints megabytes (up to the runner's
    cap) must not make every later artefact of the run, the bundle included, megabytes larger."""
    text = stdout[:_RECORDED_OUTPUT_BYTES].decode("utf-8", errors="replace")
    return text if len(stdout) <= _RECORDED_OUTPUT_BYTES else f"{text}…[truncated, {len(stdout):,} bytes]"


def _probe_json(exchange: Exchange) -> tuple[Any, str]:
    """The probe's JSON answer, or a problem saying why there is none."""
    if exchange.error:
        return None, f"probe failed: {exchange.error}"
    if exchange.method != "EXEC" and not (200 <= (exchange.status or 0) < 300):
        return None, f"probe answered HTTP {exchange.status}"
    try:
        return json.loads(exchange.response_body), ""
    except ValueError:
        return None, "probe answer is not JSON"


def _read_channel(exchange: Exchange) -> ProbeAnswer:
    value, problem = _probe_json(exchange)
    if problem:
        return ProbeAnswer(None, exchange, problem)
    if not isinstance(value, dict) or "notificationChannel" not in value:
        return ProbeAnswer(None, exchange, 'probe answer is not {"notificationChannel": …}')
    return ProbeAnswer(None, exchange, value=value["notificationChannel"])


def _read_probe(exchange: Exchange) -> ProbeAnswer:
    value, problem = _probe_json(exchange)
    if problem:
        return ProbeAnswer(None, exchange, problem)
    latest = value.get("latest") if isinstance(value, dict) else None
    if isinstance(value, dict):
        value = value.get("count")
    if isinstance(value, bool) or not isinstance(value, int):
        return ProbeAnswer(None, exchange, 'probe answer is neither {"count": n} nor an integer')
    return ProbeAnswer(value, exchange, latest=latest)


def _command_route(meta: dict[str, Any]) -> str:
    """The circuit breaker's unit for a command: the trigger kind or the probe question."""
    return f"trigger command ({meta['trigger']})" if "trigger" in meta else f"probe command ({meta.get('probe')})"


def _callback_budget(target: Any) -> float:
    budgets = getattr(target, "budgets", None)
    return float(getattr(budgets, "callback_s", 10.0) if budgets else 10.0)
