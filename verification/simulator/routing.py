"""ePROM's routes, matched as ASP.NET matches them: case-insensitively, under any of its prefixes.

The same API answers under ``/promswebapi`` (= ``/PromsWebApi``, test) and ``/webapi`` (QA, PROD): every
documented base URL has one of them. The path is lower-cased, the prefix and a trailing slash are stripped,
and the rest is looked up in :data:`EPROM_ROUTES`. A request outside the prefixes → 404 naming the base URL
as the problem (an ePROM base URL without its prefix would otherwise pass against the simulator and fail
against ePROM); an unknown path → 404, a known path with another method → 405; all recorded with a
finding, never swallowed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from . import documents, formorder, letters, personvern
from .common import state_of
from .messages import error_response
from .recording import add_finding, set_meta

__all__ = ["EpromRoute", "EPROM_ROUTES", "PREFIXES", "normalise", "dispatch"]

PREFIXES = ("/promswebapi", "/webapi")
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class EpromRoute:
    endpoint: str  # spec id: E1 … E10
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    finding: str | None = None  # a deviation implied by using this route at all


def _route(endpoint: str, method: str, pattern: str, handler: Handler, finding: str | None = None) -> EpromRoute:
    return EpromRoute(endpoint, method, re.compile(f"^{pattern}$"), handler, finding)


EPROM_ROUTES = (
    _route("E1", "POST", r"/api/v2/formorder", formorder.order_form),
    _route("E9", "POST", r"/api/formorder", formorder.retired_v1_order),
    _route("E2", "GET", r"/api/externaldocument/(?P<signed_form_id>[^/]+)", documents.download_signed_document),
    _route(
        "E2", "GET", r"/externaldocument/(?P<signed_form_id>[^/]+)", documents.download_signed_document,
        "signed-document path without /api/ (2019 docs, Q30); use api/ExternalDocument/{id}",
    ),
    _route("E3", "POST", r"/api/v2/messagetocitizen", letters.send_letter),
    _route("E10", "POST", r"/api/messagetocitizen", formorder.retired_v1_letter),
    _route("E4", "POST", r"/api/unsecuremessagesms", letters.send_sms),
    _route("E5", "POST", r"/api/unsecuremessageemail", letters.send_email),
    _route("E6", "POST", r"/api/(?:v2/)?getpersonverninnstilling", personvern.get_setting),
    _route("E7", "POST", r"/api/(?:v2/)?setpersonverninnstilling", personvern.set_setting),
    _route("E8", "POST", r"/api/v2/get-residents-active-pi-for-definition", personvern.residents_with_active_setting),
)


def normalise(path: str) -> str:
    """``/PromsWebApi/api/V2/FormOrder/`` → ``/api/v2/formorder``."""
    lowered = path.lower().rstrip("/") or "/"
    for prefix in PREFIXES:
        if lowered == prefix or lowered.startswith(prefix + "/"):
            return lowered[len(prefix):] or "/"
    return lowered


def _prefixed(path: str) -> bool:
    lowered = path.lower()
    return any(lowered == prefix or lowered.startswith(prefix + "/") for prefix in PREFIXES)


async def dispatch(request: Request) -> Response:
    """The one catch-all route: find the ePROM endpoint for this request, or say why there is none."""
    if not _prefixed(request.url.path):
        add_finding(request, "outside the documented prefixes: the system's ePROM base URL lacks /promswebapi")
        message = (f"No ePROM API at {request.url.path}: every ePROM base URL ends in /promswebapi (test) or "
                   "/webapi (QA, PROD); check the ePROM base URL the system is configured with, e.g. "
                   f"http://{request.url.netloc}/promswebapi")  # UNSPECIFIED: own text
        return error_response(state_of(request).settings, 404, message)
    path = normalise(request.url.path)
    same_path: list[EpromRoute] = []
    for route in EPROM_ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.method != request.method:
            same_path.append(route)
            continue
        set_meta(request, endpoint=route.endpoint)
        if route.finding:
            add_finding(request, route.finding)
        request.scope["path_params"] = match.groupdict()
        return await route.handler(request)
    settings = state_of(request).settings
    if same_path:
        allowed = ", ".join(sorted({route.method for route in same_path}))
        add_finding(request, f"method {request.method} not allowed on {request.url.path}")
        message = f"The requested resource does not support http method '{request.method}'."  # ASP.NET's text
        response = error_response(settings, 405, message)
        response.headers["Allow"] = allowed
        return response
    add_finding(request, "unknown route")
    message = f"No ePROM endpoint matches {request.method} {request.url.path}"  # UNSPECIFIED: own text
    return error_response(settings, 404, message)
