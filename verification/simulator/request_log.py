"""``eprom-verify simulate``'s live request log: one line per exchange, with the check that would judge it.

``12:00:01  system → ePROM  POST /promswebapi/api/v2/formorder  200  14 ms  E1  judged by S-ORDER-BODY, …``
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

__all__ = ["JUDGED_BY", "request_line", "printer"]

# Which catalogue checks judge a request to each ePROM endpoint, or a callback of each kind (CHECKS.md).
_ORDER, _MESSAGE, _PERSONVERN = ("S-ORDER-BODY", "S-AUTH-HEADER"), ("S-MESSAGE", "S-AUTH-HEADER"), \
    ("S-PERSONVERN", "S-AUTH-HEADER")
JUDGED_BY: dict[str, tuple[str, ...]] = {
    "E1": (*_ORDER, "S-CONTENT-TYPE"), "E9": _ORDER,
    "E2": ("S-SIGNED-DOWNLOAD", "S-AUTH-HEADER"),
    "E3": _MESSAGE, "E10": _MESSAGE,
    "E4": ("S-SMS-EMAIL", "S-NONSENSITIVE"), "E5": ("S-SMS-EMAIL", "S-NONSENSITIVE"),
    "E6": _PERSONVERN, "E7": _PERSONVERN, "E8": _PERSONVERN,
    "C1": ("R-STATUS-ORDERED", "R-IDEMPOTENT"),
    "C2": ("R-RETURN-COMPLETED", "R-IDEMPOTENT"),
    "C3": ("R-MESSAGE-STATUS",),
    "C4": ("R-PVK",),
}


def request_line(exchange: Any) -> str:
    """One exchange as a log line (method, path, status, ms, the endpoint or callback, its checks)."""
    kind = exchange.meta.get("endpoint") or exchange.meta.get("callback") or ""
    way = "ePROM → system" if exchange.direction == "to_system" else "system → ePROM"
    status = exchange.status if exchange.status is not None else f"no answer ({exchange.error})"
    latency = f"{exchange.latency_ms:.0f} ms" if exchange.latency_ms is not None else "-"
    checks = JUDGED_BY.get(kind)
    judged = f"judged by {', '.join(checks)}" if checks else "not an ePROM route: recorded as a finding"
    clock = datetime.now().strftime("%H:%M:%S")
    return f"{clock}  {way}  {exchange.method} {exchange.path}  {status}  {latency}  {kind or '?'}  {judged}"


def printer(stream: TextIO | None = None) -> Callable[[Any], None]:
    def show(exchange: Any) -> None:
        print(request_line(exchange), file=stream or sys.stdout, flush=True)

    return show
