"""The kit's hooks into the reference system (DESIGN.md "Target file"): triggers and probes.

Triggers (``POST /_trigger/order|message|sms|email|personvern``, JSON body = parameters) make the system
call ePROM synchronously and answer what happened. One trigger never places two orders: a trigger may
carry an ``Idempotency-Key`` header (or a ``triggerId`` member); the same key again returns the first
answer without calling ePROM.

Probes answer ``{"count": n}``: ``GET /_probe/status/{formOrderId}`` (distinct order-status updates: C1s and
C2 ``Expired``; also ``"latest"``, the order's current status), ``/_probe/answers/{formOrderId}`` (distinct completed forms), ``/_probe/signed/{formOrderId}``
(signed PDFs downloaded and stored), ``/_probe/message/{messageToCitizenId}`` (distinct C3s),
``/_probe/personvern/{settingId}`` (distinct C4s), ``/_probe/orders/{formOrderId}`` (orders held: 0 or 1).
``?atLeast=n&timeout=s`` waits (at most 30 s) until the count reaches ``n``. ``GET /_probe/order/{formOrderId}``
answers the stored order state (404 if unknown),
``/_probe/channel/{formOrderId}`` the stored ``{"notificationChannel": name | null}`` (V1.3; 404 if unknown).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..spec.enums import NotificationChannel, parse_enum, wire_name
from ..spec.payloads import E1_DEFAULTS
from ..spec.wire import ZERO_GUID
from .order_bodies import TriggerError, email_body, letter_body, order_body, personvern_body, sms_body
from .outbound import EpromAnswer
from .reading import member
from .runtime import Runtime

__all__ = ["control_routes"]

Outcome = tuple[int, dict[str, Any]]
_MAX_PROBE_WAIT_S = 30.0


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _guid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _not_placed(answer: EpromAnswer, flag: str) -> Outcome:
    if answer.failure == "unanswered":
        return 504, {flag: False, "error": "no answer from ePROM in time; not sent again (it may have acted)"}
    if answer.failure == "not_sent":
        return 502, {flag: False, "error": f"ePROM unreachable after {answer.attempts} attempt(s)"}
    return 502, {flag: False, "error": f"ePROM answered HTTP {answer.status}", "epromStatus": answer.status}


async def _place_order(runtime: Runtime, params: dict[str, Any]) -> Outcome:
    try:
        body = order_body(params, behaviour=runtime.behaviour)
    except TriggerError as refused:
        return 400, {"placed": False, "error": str(refused)}
    async with runtime.placement():
        answer = await runtime.eprom.place_order(body)
        if not answer.ok:
            if runtime.behaviour.stores_refused_order and answer.status is not None:
                _add_order(runtime, ZERO_GUID, body, answer)  # the fault: Guid.Empty read from the refusal
            return _not_placed(answer, "placed")
        raw_id = member(answer.body, "id") if isinstance(answer.body, dict) else None
        form_order_id = _guid(raw_id) if isinstance(raw_id, str) else None
        no_order = form_order_id is None or uuid.UUID(form_order_id).int == 0  # all zeros: no order (Q16)
        takes_zero = runtime.behaviour.zero_id_as_placed or runtime.behaviour.stores_zero_id_order  # the faults
        if no_order and not (form_order_id and takes_zero):
            return 502, {"placed": False, "error": "ePROM created no order (no id or the all-zero id)"}
        _add_order(runtime, form_order_id, body, answer)
    return 200, {"placed": True, "formOrderId": form_order_id}


def _add_order(runtime: Runtime, form_order_id: str, body: dict[str, Any], answer: EpromAnswer) -> None:
    runtime.store.add_order(
        form_order_id,
        form_id=body["formId"],
        national_id=body["nationalId"],
        # omits_defaults leaves a member at its documented default out of the body.
        rule=body.get("distributionRule", E1_DEFAULTS["distributionRule"].name),
        signed=body.get("mustBeSigned") in (True, "true"),  # a string under booleans_as_strings
        # The fault: E1's notificationChannel is only the preferred one (BR-05), yet it is kept as the channel.
        channel=_channel_name(member(answer.body, "notificationChannel"))
        if runtime.behaviour.stores_preferred_channel and isinstance(answer.body, dict) else None,
    )


async def _send_letter(runtime: Runtime, params: dict[str, Any]) -> Outcome:
    try:
        body = letter_body(params, behaviour=runtime.behaviour)
    except TriggerError as refused:
        return 400, {"sent": False, "error": str(refused)}
    async with runtime.placement():
        answer = await runtime.eprom.send_letter(body)
        if not answer.ok or not isinstance(answer.body, dict):
            return _not_placed(answer, "sent")
        message_id = _guid(str(member(answer.body, "messageToCitizenId", "")))
        if message_id is not None:
            runtime.store.add_message(message_id)
    channel = str(member(answer.body, "notificationChannel", "0"))
    sent = message_id is not None and channel not in ("0", "None")  # "0": nothing was sent (Q16)
    return 200, {"sent": sent, "messageToCitizenId": message_id, "notificationChannel": channel}


async def _send_unsecure(runtime: Runtime, params: dict[str, Any], kind: str) -> Outcome:
    key = runtime.settings.api_key
    try:
        if kind == "sms":
            body = sms_body(params, api_key=key, behaviour=runtime.behaviour)
        else:
            body = email_body(params, api_key=key)
    except TriggerError as refused:
        return 400, {"sent": False, "error": str(refused)}
    send = runtime.eprom.send_sms if kind == "sms" else runtime.eprom.send_email
    answer = await send(body)
    if not answer.ok:
        return _not_placed(answer, "sent")
    success = member(answer.body, "success") if isinstance(answer.body, dict) else None
    return 200, {"sent": success is True}


async def _personvern(runtime: Runtime, params: dict[str, Any]) -> Outcome:
    try:
        body = personvern_body(params, behaviour=runtime.behaviour)
    except TriggerError as refused:
        return 400, {"done": False, "error": str(refused)}
    answer = await runtime.eprom.personvern(body)
    if not answer.ok:
        return _not_placed(answer, "done")
    return 200, {"done": True, "setting": answer.body if isinstance(answer.body, dict) else None}


async def _triggered(request: Request, kind: str, act: Callable[[Runtime, dict[str, Any]], Awaitable[Outcome]]):
    """Run one trigger once per idempotency key; a repeated key gets the first answer."""
    try:
        params = json.loads(await request.body() or b"{}")
    except ValueError:
        params = None
    if not isinstance(params, dict):
        return JSONResponse({"error": "the trigger body must be a JSON object"}, status_code=400)
    runtime = _runtime(request)
    key = request.headers.get("idempotency-key") or member(params, "triggerId") or uuid.uuid4().hex
    async with runtime.trigger_lock(f"{kind}:{key}"):
        earlier = runtime.store.trigger_outcome(f"{kind}:{key}")
        if earlier is not None:
            status, answer = json.loads(earlier)
        else:
            status, answer = await act(runtime, params)
            runtime.store.record_trigger(f"{kind}:{key}", kind, json.dumps([status, answer]))
    return JSONResponse(answer, status_code=status)


async def trigger_order(request: Request) -> Response:
    return await _triggered(request, "order", _place_order)


async def trigger_message(request: Request) -> Response:
    return await _triggered(request, "message", _send_letter)


async def trigger_sms(request: Request) -> Response:
    return await _triggered(request, "sms", lambda runtime, params: _send_unsecure(runtime, params, "sms"))


async def trigger_email(request: Request) -> Response:
    return await _triggered(request, "email", lambda runtime, params: _send_unsecure(runtime, params, "email"))


async def trigger_personvern(request: Request) -> Response:
    return await _triggered(request, "personvern", _personvern)


Counter = Callable[[Runtime], Callable[[str], int]]


def _counter(count: Counter, path_param: str,
             latest: Callable[[Runtime], Callable[[str], Any]] | None = None) -> Callable[[Request], Awaitable[Response]]:
    """A probe answering ``{"count": n}`` for the id in ``path_param``, optionally waiting for ``atLeast``;
    with ``latest`` (the status probe) also ``"latest"``, when that answers anything but None."""

    async def probe(request: Request) -> Response:
        runtime = _runtime(request)
        ident = _guid(request.path_params[path_param])
        if ident is None:
            return JSONResponse({"error": f"{path_param} is not a GUID"}, status_code=400)
        try:
            at_least = int(request.query_params.get("atLeast", "0"))
            timeout = min(float(request.query_params.get("timeout", "0")), _MAX_PROBE_WAIT_S)
        except ValueError:
            return JSONResponse({"error": "atLeast and timeout must be numbers"}, status_code=400)
        counter = count(runtime)
        if at_least > 0 and timeout > 0:
            await runtime.wait_until(lambda: counter(ident) >= at_least, timeout)
        answer: dict[str, Any] = {"count": counter(ident)}
        current = latest(runtime)(ident) if latest else None
        if current is not None:
            answer["latest"] = current
        return JSONResponse(answer)

    return probe


def _status_count(runtime: Runtime) -> Callable[[str], int]:
    """The latest_status_only design counts the one status it keeps (0 or 1), the others every update."""
    return runtime.store.latest_count if runtime.behaviour.latest_status_only else runtime.store.status_count


def _latest_status(runtime: Runtime) -> Callable[[str], Any]:
    """The order's current status for the probe's optional ``latest``; the latest_status_only design answers the
    count alone, as a system written to the older probe contract would."""
    return (lambda ident: None) if runtime.behaviour.latest_status_only else runtime.store.latest_status


async def probe_order(request: Request) -> Response:
    ident = _guid(request.path_params["formOrderId"])
    state = _runtime(request).store.order_state(ident) if ident else None
    if state is None:
        return JSONResponse({"error": "unknown order"}, status_code=404)
    return JSONResponse(state)


async def probe_channel(request: Request) -> Response:
    ident = _guid(request.path_params["formOrderId"])
    state = _runtime(request).store.order_state(ident) if ident else None
    if state is None:
        return JSONResponse({"error": "unknown order"}, status_code=404)
    return JSONResponse({"notificationChannel": state["channel"]})


def _channel_name(value: Any) -> str | None:
    try:
        return wire_name(parse_enum(NotificationChannel, value, field="notificationChannel"))
    except ValueError:
        return None if value is None else str(value)


def control_routes() -> list[Route]:
    return [
        Route("/_trigger/order", trigger_order, methods=["POST"]),
        Route("/_trigger/message", trigger_message, methods=["POST"]),
        Route("/_trigger/sms", trigger_sms, methods=["POST"]),
        Route("/_trigger/email", trigger_email, methods=["POST"]),
        Route("/_trigger/personvern", trigger_personvern, methods=["POST"]),
        Route("/_probe/status/{formOrderId}", _counter(_status_count, "formOrderId", _latest_status)),
        Route("/_probe/answers/{formOrderId}", _counter(lambda r: r.store.answers_count, "formOrderId")),
        Route("/_probe/signed/{formOrderId}", _counter(lambda r: r.store.signed_count, "formOrderId")),
        Route("/_probe/message/{messageId}", _counter(lambda r: r.store.message_status_count, "messageId")),
        Route("/_probe/personvern/{settingId}", _counter(lambda r: r.store.personvern_count, "settingId")),
        Route("/_probe/orders/{formOrderId}", _counter(lambda r: r.store.order_count, "formOrderId")),
        Route("/_probe/order/{formOrderId}", probe_order),
        Route("/_probe/channel/{formOrderId}", probe_channel),
    ]
