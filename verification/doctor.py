"""``eprom-verify doctor TARGET``: can the kit reach everything the target file names? Also run at the start
of ``eprom-verify run``, before any case and before a session folder exists.

It tries each thing once: the callback routes the system declares (C1–C4, by capability), the trigger per
kind, every probe, and the simulator's port. Each try is one line: what was tried, what came back, the fix.

What counts as reachable: **any HTTP answer**, 401, 404 and 405 included, proves a server answers there; a
refused connection or a timeout does not. Nothing here can place an order or change what the system stored:

- callbacks and URL triggers get ``OPTIONS`` (safe by HTTP's definition: a server may answer 200, 204 or
  405, none of which acts on anything);
- URL probes get their ordinary read-only ``GET`` for the all-zero order id, which no order has;
- command triggers and probes are not run (a trigger command would place an order): the doctor checks that
  the program exists.

A 404 on a callback or trigger is reported as a warning (the server answers, but maybe not on that path); it
does not stop a run, since a route the system does not serve is a verdict the cases give. A probe may answer
404 for the all-zero id (the contract's "unknown order"), so there it is fine. Nothing is recorded.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .spec.hosts import is_loopback_url
from .spec.routes import CALLBACK_PATHS
from .spec.wire import ZERO_GUID  # the guide's "no order" id (Q16): no order has it

__all__ = ["Finding", "diagnose", "render", "reachable", "trigger_kinds"]

_TIMEOUT_S = 5.0
# Which callback ePROM sends for which declared capability (spec C1–C4).
_CALLBACKS_BY_CAPABILITY = {"C1": "formorder", "C2": "formorder", "C3": "message", "C4": "personvern"}
# Which trigger kind the cases use for which declared capability (scenarios.place_order / send_outbound).
_TRIGGER_KINDS_BY_CAPABILITY = {
    "order": "formorder", "message": "message", "sms": "sms", "email": "email", "personvern": "personvern",
}

Outcome = Literal["ok", "warn", "unreachable"]


@dataclass(frozen=True)
class Finding:
    """One thing tried: ``what`` was tried, what ``came_back``, and the ``fix`` when it is not ok."""

    subject: str  # "callback C1", "trigger order", "probe status", "simulator port"
    what: str
    came_back: str
    outcome: Outcome
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "ok  ", "warn": "WARN", "unreachable": "FAIL"}[self.outcome]
        text = f"{mark} {self.subject}: {self.what} → {self.came_back}"
        return f"{text} — fix: {self.fix}" if self.fix else text


def reachable(findings: list[Finding]) -> bool:
    return not any(f.outcome == "unreachable" for f in findings)


def render(findings: list[Finding]) -> str:
    verdict = ("everything the target names answers" if reachable(findings)
               else "the system cannot be reached; nothing was run and nothing recorded")
    return "\n".join([*(f.line() for f in findings), f"doctor: {verdict}"])


def trigger_kinds(target: Any) -> list[tuple[str, Any]]:
    """The triggers the cases will use, as ``(kind, how)``: ``how`` is a URL or a command tuple.

    One place lists them, so a target format with explicit kinds changes only this function. Today a URL
    trigger serves other kinds at sibling URLs (``…/_trigger/order`` → ``…/_trigger/sms``), as
    :meth:`~verification.system.SystemUnderVerification.trigger` sends them."""
    trigger = target.bestillersystem.trigger
    if trigger is None:
        return []
    declared = target.bestillersystem.capabilities
    kinds = [kind for kind, capability in _TRIGGER_KINDS_BY_CAPABILITY.items() if capability in declared]
    if trigger.url:
        return [(kind, trigger.url if kind == "order" else trigger.url.rsplit("/", 1)[0] + f"/{kind}")
                for kind in kinds]
    return [(kind, tuple(trigger.command or ())) for kind in kinds]


def diagnose(target: Any) -> list[Finding]:
    """Try everything once; the findings in a fixed order (callbacks, triggers, probes, simulator port)."""
    from .recorder.client import KitClient

    findings: list[Finding] = []
    with KitClient(None, timeout=_TIMEOUT_S) as client:
        findings += _callbacks(client, target)
        findings += _triggers(client, target)
        findings += _probes(client, target)
    findings += _simulator_port(target)
    return findings


def _callbacks(client: Any, target: Any) -> list[Finding]:
    system = target.bestillersystem
    base = system.callback_base_url.rstrip("/")
    paths: dict[str, list[str]] = {}
    for kind, capability in _CALLBACKS_BY_CAPABILITY.items():
        if capability in system.capabilities:
            paths.setdefault(CALLBACK_PATHS[kind], []).append(kind)
    return [
        _http(client, f"callback {'/'.join(kinds)}", "OPTIONS", base + path,
              fix="start the system, or correct bestillersystem.callback_base_url (its ApiBaseUrl, "
              f"without {path})")
        for path, kinds in paths.items()
    ]


def _triggers(client: Any, target: Any) -> list[Finding]:
    found = []
    for kind, how in trigger_kinds(target):
        if isinstance(how, str):
            fix = "start the system, or correct bestillersystem.trigger.url"
            if kind != "order":
                fix += f" (the {kind} trigger is the order URL with its last segment replaced by {kind!r})"
            found.append(_http(client, f"trigger {kind}", "OPTIONS", how, fix=fix))
        else:
            found.append(_program(f"trigger {kind}", how, target, "bestillersystem.trigger.command"))
    return found


def _probes(client: Any, target: Any) -> list[Finding]:
    probe = target.bestillersystem.probe
    found = []
    for name in ("status", "answers", "signed", "channel", "orders"):
        call = getattr(probe, name, None) if probe is not None else None
        if call is None:
            continue
        if call.url:
            found.append(_http(client, f"probe {name}", "GET", call.url_for(ZERO_GUID), unknown_order=True,
                               fix=f"start the system, or correct bestillersystem.probe.{name}"))
        else:
            found.append(_program(f"probe {name}", call.command or (), target, f"bestillersystem.probe.{name}"))
    return found


def _http(client: Any, subject: str, method: str, url: str, *, fix: str, unknown_order: bool = False) -> Finding:
    what = f"{method} {url}"
    if not is_loopback_url(url):  # the kit's network rule: it only ever talks to loopback addresses
        return Finding(subject, what, "not tried: not a loopback address (the doctor contacts only loopback)",
                       "warn", "none needed if the address is right; the cases judge it")
    exchange = client.send(method, url, headers={"User-Agent": "eprom-verify doctor"})
    if exchange.status is None and not _refused_or_slow(exchange.error):
        # A connection the system dropped (say, after a 500 to the previous request) is no sign of an
        # unreachable system: once more, on a new connection. The cases judge what it answers.
        exchange = client.send(method, url, headers={"User-Agent": "eprom-verify doctor"})
    if exchange.status is None:
        return Finding(subject, what, f"no answer ({exchange.error})", "unreachable", fix)
    if exchange.status == 404 and unknown_order:  # the contract's answer for an order the system does not know
        return Finding(subject, what, "HTTP 404: a server answers (no order has the all-zero id)", "ok")
    if exchange.status == 404:
        return Finding(subject, what, "HTTP 404: a server answers, but maybe not on this path", "warn",
                       fix.replace("start the system, or correct", "check"))
    return Finding(subject, what, f"HTTP {exchange.status}: a server answers here", "ok")


def _refused_or_slow(error: str | None) -> bool:
    return any(word in (error or "") for word in ("ConnectError", "timeout", "Timeout"))


def _program(subject: str, command: tuple[str, ...], target: Any, field: str) -> Finding:
    """A command is not run (a trigger would place an order): is its program there?"""
    what = f"look for the program {command[0]!r} (not run)" if command else "an empty command"
    if not command:
        return Finding(subject, what, "nothing to run", "unreachable", f"give {field} a program")
    source = getattr(target, "source", None)
    folder = Path(source).parent if source else Path.cwd()
    program = command[0]
    local = folder / program
    if os.sep in program or program.startswith("."):
        ok = local.is_file() and os.access(local, os.X_OK)
    else:
        ok = shutil.which(program) is not None or (local.is_file() and os.access(local, os.X_OK))
    if ok:
        return Finding(subject, what, "found, executable", "ok")
    return Finding(subject, what, f"not found or not executable (looked on PATH and in {folder})", "unreachable",
                   f"correct {field}, or chmod +x the program")


def _simulator_port(target: Any) -> list[Finding]:
    """The embedded simulator's port must be free (simulator mode only; port 0 picks a free one)."""
    from .serving import ServingError, port_is_free
    from .simulator import BUSY_PORT_FIX

    if target.eprom.mode != "simulator":
        return []
    listen = target.eprom.listen
    what = f"bind {listen} (eprom.listen)"
    if listen.port == 0:
        return [Finding("simulator port", what, "port 0: a free port is picked at start", "ok")]
    try:
        port_is_free(listen.host, listen.port)
    except ServingError as exc:
        return [Finding("simulator port", what, exc.reason, "unreachable", BUSY_PORT_FIX)]
    return [Finding("simulator port", what, "free", "ok")]
