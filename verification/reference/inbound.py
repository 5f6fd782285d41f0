"""The callbacks ePROM calls (C1–C4), hosted under the system's ``ApiBaseUrl``.

Answers: ``{"success": true}`` (200) only after the callback is stored; a repeated delivery is
acknowledged the same way and stored once. Rejections carry ``{"success": false}`` and nothing else:
401 for a wrong key, 400 for a body the system cannot use, 404 for an order (or letter) it never placed
and that is not patient-initiated, 405 for any method but PUT. The documented paths are served with and
without a trailing slash and in any letter case (:class:`CanonicalCallbackPaths`).
"""

from __future__ import annotations

import asyncio
import json
import traceback
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..spec.routes import CALLBACK_PATHS as SPEC_CALLBACK_PATHS
from ..spec.wire import ZERO_GUID
from .reading import (
    FORM_ORDER_MEMBERS,
    MESSAGE_STATUS_MEMBERS,
    PERSONVERN_MEMBERS,
    FormOrderUpdate,
    Rejection,
    authenticate_body,
    authenticate_header,
    read_form_order_update,
    read_json_object,
    read_message_status,
    read_personvern_change,
    unknown_members,
)
from .runtime import Runtime
from .store import Applied, UnknownOrder

__all__ = ["callback_routes", "CanonicalCallbackPaths", "CALLBACK_PATHS", "accepted", "rejected"]

CALLBACK_PATHS = tuple(dict.fromkeys(SPEC_CALLBACK_PATHS.values()))  # C1 and C2 share a path
_CANONICAL = {path.lower(): path for path in CALLBACK_PATHS}


class CanonicalCallbackPaths:
    """ASGI middleware: ``/api/promsformorder/`` and friends reach the documented route (Q08, Q11).

    ``keep_trailing_slash`` is the ``no_trailing_slash_route`` fault: the router then answers a redirect."""

    def __init__(self, app: ASGIApp, *, keep_trailing_slash: bool = False):
        self.app = app
        self.keep_trailing_slash = keep_trailing_slash

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"] if self.keep_trailing_slash else scope["path"].rstrip("/")
            canonical = _CANONICAL.get(path.lower())
            if canonical is not None and canonical != scope["path"]:
                scope = dict(scope, path=canonical, raw_path=canonical.encode("ascii"))
        await self.app(scope, receive, send)


def accepted() -> Response:
    return JSONResponse({"success": True})


def rejected(status: int) -> Response:
    headers = {"Allow": "PUT"} if status == 405 else None
    return JSONResponse({"success": False}, status_code=status, headers=headers)


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _refused(runtime: Runtime, status: int, problem: Exception) -> Response:
    """A rejection; the ``leaks_stack_traces`` fault adds the exception with its traceback, the
    ``leaks_exception_repr`` fault its repr; the ``plain_error_messages`` design a readable message."""
    behaviour = runtime.behaviour
    if behaviour.leaks_exception_repr:
        return JSONResponse({"success": False, "error": repr(KeyError(str(problem)))}, status_code=status)
    if behaviour.plain_error_messages:
        reason = problem.reason if isinstance(problem, Rejection) else "the order is not known here"
        return JSONResponse({"success": False, "message": f"ValidationError: {reason}"}, status_code=status)
    if not behaviour.leaks_stack_traces:
        return rejected(status)
    trace = "".join(traceback.format_exception(problem))
    return JSONResponse({"success": False, "error": trace}, status_code=status)


def _unknown(runtime: Runtime, unknown: UnknownOrder) -> Response:
    """404 for an order (or letter) never placed; the ``acknowledges_unknown_orders`` design acknowledges
    it and stores nothing (the guide does not say which)."""
    return accepted() if runtime.behaviour.acknowledges_unknown_orders else _refused(runtime, 404, unknown)


def _wrong_method(request: Request) -> bool:
    """Only PUT is a callback; the ``accepts_any_method`` fault lets every method through."""
    return request.method != "PUT" and not _runtime(request).behaviour.accepts_any_method


def _acknowledged(runtime: Runtime, applied: Applied) -> Response:
    if not applied.new and runtime.behaviour.empty_reply_on_redelivery:
        return Response(status_code=200)  # the fault: "already processed: return Ok()"
    return accepted()


async def _body(request: Request, known: frozenset[str]) -> dict:
    raw = await request.body()
    behaviour = _runtime(request).behaviour
    if behaviour.crashes_on_malformed_json:
        body = json.loads(raw)  # the fault: no guard, so invalid JSON raises → 500
        body = {key: value for key, value in body.items()}  # … and so does a list, a string or null
    else:
        body = read_json_object(raw)
    if behaviour.crashes_on_unknown_fields and unknown_members(body, known):
        raise RuntimeError("unknown member in callback")  # the fault: a strict deserialiser throws → 500
    return body


async def _store_waiting_for_placement(runtime: Runtime, store: Callable[[], Applied]) -> Applied:
    """Store, and if the order is unknown while an E1/E3 is still in flight, wait for it and try again."""
    try:
        return store()
    except UnknownOrder:
        if runtime.behaviour.refuses_early_c1 or not await runtime.placements_done():
            raise  # the fault: no waiting for the E1 answer still on its way
    return store()


async def proms_form_order(request: Request) -> Response:
    """C1 (order status) and C2 (completed or expired form) on ``PUT /api/PromsFormOrder``."""
    if _wrong_method(request):
        return rejected(405)
    runtime = _runtime(request)
    try:
        body = await _body(request, FORM_ORDER_MEMBERS)
        authenticate_body(body, runtime.settings.api_key, runtime.behaviour)
        update = read_form_order_update(body, runtime.behaviour)
        if _zero_id_guarded(runtime, update.form_order_id):
            raise UnknownOrder(update.form_order_id)
        if runtime.behaviour.racy_dedup:
            applied = await _store_racily(runtime, update)
        else:
            applied = await _store_waiting_for_placement(runtime, lambda: _store_update(runtime, update))
    except Rejection as rejection:
        return _refused(runtime, rejection.status, rejection)
    except UnknownOrder as unknown:
        if runtime.behaviour.crashes_on_unknown_order:
            raise LookupError("no order row") from unknown  # the fault: the missing row is dereferenced → 500
        return _unknown(runtime, unknown)
    if applied.download is not None and update.signed_form_id is not None:
        await _fetch_signed(runtime, applied.download, update.signed_form_id)
    if applied.new:
        await runtime.notify()
    return _acknowledged(runtime, applied)


def _zero_id_guarded(runtime: Runtime, form_order_id: object) -> bool:
    """The faults that hold an order under the all-zero id guard only their callback handler against it."""
    behaviour = runtime.behaviour
    guarded = behaviour.stores_zero_id_order or behaviour.stores_refused_order
    return guarded and str(form_order_id).lower() == ZERO_GUID


def _update_key(update: FormOrderUpdate) -> tuple[object, ...]:
    if update.answers_json is not None:
        return update.form_order_id, update.status.name, update.answers_hash
    return update.form_order_id, update.status.name, update.channel, update.error_code


def _store_update(runtime: Runtime, update: FormOrderUpdate, *, key: str | None = None) -> Applied:
    key = key or runtime.dedup_key(*_update_key(update))
    signed_key = runtime.dedup_key(update.form_order_id, update.signed_form_id)
    return runtime.store.apply_form_order_update(
        update, dedup_key=key, signed_key=signed_key, behaviour=runtime.behaviour
    )


async def _store_racily(runtime: Runtime, update: FormOrderUpdate) -> Applied:
    """The ``racy_dedup`` fault: check an in-memory set, await the save, only then remember the key."""
    key = runtime.dedup_key(*_update_key(update))
    if key in runtime.seen:
        return Applied(new=False)
    await asyncio.sleep(runtime.behaviour.dedup_write_s)  # the async database round trip of the fault
    unique = f"{key}|{uuid.uuid4().hex}"  # no unique constraint behind the in-memory check
    applied = await _store_waiting_for_placement(runtime, lambda: _store_update(runtime, update, key=unique))
    runtime.seen.add(key)
    return applied


async def _fetch_signed(runtime: Runtime, row_id: int, signed_form_id: str) -> None:
    """E2 in the background, after the C2 has been acknowledged (BR-13); the faults skip it or do it inline."""
    if runtime.behaviour.never_downloads_signed:
        return
    if runtime.behaviour.downloads_signed_in_batch:  # a correct design: the download waits for the batch
        runtime.spawn(_batch_download(runtime, row_id, signed_form_id))
        return
    if not runtime.behaviour.slow_signed_return:
        runtime.spawn(_download_signed(runtime, row_id, signed_form_id))
    elif await _download_signed(runtime, row_id, signed_form_id):
        await asyncio.sleep(runtime.behaviour.signed_scan_s)  # the fault: a slow "virus scan" before answering


async def _batch_download(runtime: Runtime, row_id: int, signed_form_id: str) -> None:
    await asyncio.sleep(runtime.behaviour.signed_batch_delay_s)
    await _download_signed(runtime, row_id, signed_form_id)


async def _download_signed(runtime: Runtime, row_id: int, signed_form_id: str) -> bool:
    """E2; True when the document was fetched and stored."""
    document = await runtime.eprom.fetch_signed_document(
        signed_form_id, on_attempt=lambda: runtime.store.count_download_attempt(row_id)
    )
    if document is None:
        return False
    runtime.store.store_signed_document(row_id, document.content, document.content_type)
    await runtime.notify()
    return True


async def message_to_citizen(request: Request) -> Response:
    """C3 (letter status) on ``PUT /api/MessageToCitizen``, either documented shape."""
    if _wrong_method(request):
        return rejected(405)
    runtime = _runtime(request)
    try:
        body = await _body(request, MESSAGE_STATUS_MEMBERS)
        authenticate_body(body, runtime.settings.api_key, runtime.behaviour)
        status = read_message_status(body, runtime.behaviour)
        key = runtime.dedup_key(status.message_id, status.sent_status.name, status.channel)
        applied = await _store_waiting_for_placement(
            runtime, lambda: runtime.store.apply_message_status(status, dedup_key=key, behaviour=runtime.behaviour)
        )
    except Rejection as rejection:
        return _refused(runtime, rejection.status, rejection)
    except UnknownOrder as unknown:
        return _unknown(runtime, unknown)
    if applied.new:
        await runtime.notify()
    return _acknowledged(runtime, applied)


async def personvern_innstilling(request: Request) -> Response:
    """C4 (privacy-setting change) on ``PUT /api/PersonvernInnstilling``; the key is in the header."""
    if _wrong_method(request):
        return rejected(405)
    runtime = _runtime(request)
    try:
        authenticate_header(request.headers.get("authorization"), runtime.settings.api_key, runtime.behaviour)
        body = await _body(request, PERSONVERN_MEMBERS)
        change = read_personvern_change(body, runtime.behaviour)
        key = runtime.dedup_key(change.national_id, change.setting_id, change.status)
        applied = runtime.store.apply_personvern_change(change, dedup_key=key)
    except Rejection as rejection:
        return _refused(runtime, rejection.status, rejection)
    if applied.new:
        await runtime.notify()
    return _acknowledged(runtime, applied)


_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _crash_as_500(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A handler that crashes (the crash faults) answers a generic 500, as ASP.NET and Spring do by default.
    Letting the exception reach uvicorn would also close the keep-alive connection under the client's feet."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception:  # noqa: BLE001 - the fault under test; the 500 is the observable behaviour
            return PlainTextResponse("Internal Server Error", status_code=500)

    return endpoint


def callback_routes() -> list[Route]:
    """Every method reaches the handler, which answers 405 (in the callback shape) for all but PUT."""
    return [
        Route("/api/PromsFormOrder", _crash_as_500(proms_form_order), methods=_EVERY_METHOD),
        Route("/api/MessageToCitizen", _crash_as_500(message_to_citizen), methods=_EVERY_METHOD),
        Route("/api/PersonvernInnstilling", _crash_as_500(personvern_innstilling), methods=_EVERY_METHOD),
    ]
