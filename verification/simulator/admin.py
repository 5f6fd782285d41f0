"""The kit's instrument panel (``/_sim/``, JSON): faults, runtime configuration, state, and waiting.

``POST /_sim/faults`` / ``GET`` / ``DELETE`` — pending faults (see :mod:`.faults`);
``POST /_sim/config`` — change settings at runtime (``population``, ``forms`` and ``error_texts`` are
merged by key, each entry replaced whole; an unknown setting is refused, never ignored);
``GET /_sim/settings`` — the settings without keys;
``GET /_sim/orders``, ``/_sim/orders/{id}[?settled=true]``, ``/_sim/letters`` — state with delivery outcomes;
``GET /_sim/exchanges?after=`` — the log now; ``GET /_sim/wait?after=&timeout=&…`` — long-poll: the
matching exchanges after ``after`` as soon as one exists, ``[]`` at the timeout (at most 60 s). Filters:
``direction``, ``actor``, ``method``, ``path`` (suffix, case-insensitive); every other parameter is
matched against the exchange's ``meta`` (``callback=C1``, ``formOrderId=…``, ``endpoint=E1``, ``finding=…``).
``GET /_sim/health`` — liveness and the last exchange id.
``GET /_sim/`` — this list, as JSON; ``GET /_sim/openapi.json`` — the system-side contract (what the kit
calls on an ordering system, OpenAPI 3.1; :mod:`verification.spec.contract`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .admin_support import AdminError, admin_endpoint, request_json
from .citizen import citizen_routes
from .exchange_log import MAX_WAIT_S, ExchangeFilter
from .faults import Fault, FaultError
from .settings import SettingsError
from .state import SimulatorState

__all__ = ["admin_routes"]

_FILTER_PARAMS = ("direction", "actor", "method", "path")
_CONTROL_PARAMS = ("after", "timeout")


async def add_fault(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"endpoint", "kind", "count", "delay_s", "message"})
    try:
        fault = Fault.from_request(data)
    except FaultError as exc:
        raise AdminError(400, str(exc)) from None
    state.faults.add(fault)
    return JSONResponse({"pending": state.faults.pending()})


async def list_faults(request: Request, state: SimulatorState) -> Response:
    return JSONResponse({"pending": state.faults.pending()})


async def clear_faults(request: Request, state: SimulatorState) -> Response:
    state.faults.clear()
    return JSONResponse({"pending": []})


async def configure(request: Request, state: SimulatorState) -> Response:
    try:
        changes = await request.json()
    except ValueError:
        raise AdminError(400, "body must be JSON") from None
    if not isinstance(changes, dict):
        raise AdminError(400, "body must be a JSON object of settings to change")
    if "store_path" in changes or "session" in changes:
        raise AdminError(400, "store_path and session are fixed for the simulator's lifetime")
    try:
        state.settings = state.settings.with_changes(changes)
    except (SettingsError, TypeError) as exc:
        raise AdminError(400, str(exc)) from None
    return JSONResponse(state.settings.redacted())


async def show_settings(request: Request, state: SimulatorState) -> Response:
    return JSONResponse(state.settings.redacted())


async def list_orders(request: Request, state: SimulatorState) -> Response:
    return JSONResponse([order.to_dict() for order in state.orders.values()])


async def show_order(request: Request, state: SimulatorState) -> Response:
    """One order; with ``?settled=true`` once its C1 has been delivered, skipped or given up (bounded)."""
    order = state.orders.get(request.path_params["order_id"].lower())
    if order is None:
        raise AdminError(404, f"no order {request.path_params['order_id']!r}")
    if request.query_params.get("settled", "").lower() == "true" and not await state.settle(order):
        raise AdminError(504, "the order's C1 delivery did not finish in time")
    return JSONResponse(order.to_dict())


async def list_letters(request: Request, state: SimulatorState) -> Response:
    return JSONResponse([letter.to_dict() for letter in state.letters.values()])


def _filter_and_after(request: Request) -> tuple[ExchangeFilter, int]:
    params = request.query_params
    try:
        after = int(params.get("after", "0"))
    except ValueError:
        raise AdminError(400, "after must be an exchange id (integer)") from None
    meta = {key: value for key, value in params.items() if key not in _FILTER_PARAMS + _CONTROL_PARAMS}
    wanted = ExchangeFilter(**{key: params.get(key) for key in _FILTER_PARAMS}, meta=meta)
    return wanted, after


async def list_exchanges(request: Request, state: SimulatorState) -> Response:
    wanted, after = _filter_and_after(request)
    return JSONResponse([exchange.to_dict() for exchange in state.log.matching(wanted, after=after)])


async def wait(request: Request, state: SimulatorState) -> Response:
    wanted, after = _filter_and_after(request)
    try:
        timeout = float(request.query_params.get("timeout", "10"))
    except ValueError:
        raise AdminError(400, "timeout must be a number of seconds") from None
    if not 0 <= timeout <= MAX_WAIT_S:
        raise AdminError(400, f"timeout must be between 0 and {MAX_WAIT_S:g} seconds")
    found = await state.log.wait(wanted, after=after, timeout=timeout)
    return JSONResponse([exchange.to_dict() for exchange in found])


async def health(request: Request, state: SimulatorState) -> Response:
    return JSONResponse({"ok": True, "last_exchange_id": state.log.last_id()})


async def openapi(request: Request, state: SimulatorState) -> Response:
    from ..spec.contract import system_contract

    return JSONResponse(system_contract())


async def index(request: Request, state: SimulatorState) -> Response:
    """The admin API, so nobody has to guess it: every route with its method and what it does."""
    endpoints = [
        {"method": method, "path": f"/_sim{route.path}", "what": getattr(route, "what", "")}
        for route in admin_routes for method in sorted(route.methods or ()) if method != "HEAD"
    ]
    return JSONResponse({"simulator": "eprom-verify's ePROM simulator", "admin": endpoints,
                         "eprom_api": "/promswebapi/api/… (E1–E8 as the integration guide describes them)"})


def _route(path: str, handler: Any, method: str = "GET", what: str = "") -> Route:
    route = Route(path, admin_endpoint(handler), methods=[method])
    route.what = what  # type: ignore[attr-defined]  # for the index
    return route


admin_routes = [
    _route("/", index, what="this list"),
    _route("/openapi.json", openapi, what="the system-side contract: what the kit calls on your system (OpenAPI 3.1)"),
    _route("/faults", add_fault, "POST", "add a pending fault {endpoint, kind, count, delay_s, message}"),
    _route("/faults", list_faults, what="the pending faults"),
    _route("/faults", clear_faults, "DELETE", "clear every pending fault"),
    _route("/config", configure, "POST", "change settings at runtime (population, forms, error_texts merged by key)"),
    _route("/settings", show_settings, what="the settings, without keys"),
    _route("/orders", list_orders, what="every order with its delivery outcomes"),
    _route("/orders/{order_id}", show_order, what="one order (?settled=true waits until its callbacks settle)"),
    _route("/letters", list_letters, what="every letter (E3) with its delivery outcome"),
    _route("/exchanges", list_exchanges, what="the exchange log (?after=id; filters direction, actor, method, path)"),
    _route("/wait", wait, what="long-poll: matching exchanges after ?after= as soon as one exists (?timeout=s)"),
    _route("/health", health, what="liveness and the last exchange id"),
    *citizen_routes,
]
