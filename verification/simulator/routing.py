"""ePROM's routes, matched as ASP.NET matches them: case-insensitively, under any of its prefixes.

The same API answers under ``/promswebapi`` (= ``/PromsWebApi``, test) and ``/webapi`` (QA, PROD): every
documented base URL has one of them. The path is lower-cased, the prefix and a trailing slash are stripped,
and the rest is looked up in :data:`EPROM_ROUTES`. A request outside the prefixes → 404 naming the base URL
as the problem (an ePROM base URL without its prefix would otherwise pass against the simulator and fail
against ePROM); an unknown path → 404, a known path with another method → 405; all recorded with a
finding, never swallowed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from ..spec.routes import EPROM_ROUTES, EpromRoute, has_prefix, normalise
from . import documents, formorder, letters, personvern
from .common import state_of
from .messages import error_response
from .recording import add_finding, set_meta

__all__ = ["HANDLERS", "dispatch"]

Handler = Callable[[Request], Awaitable[Response]]
# The simulator's handler for each endpoint of :data:`verification.spec.routes.EPROM_ROUTES`.
HANDLERS: dict[str, Handler] = {
    "E1": formorder.order_form,
    "E9": formorder.retired_v1_order,
    "E2": documents.download_signed_document,
    "E3": letters.send_letter,
    "E10": formorder.retired_v1_letter,
    "E4": letters.send_sms,
    "E5": letters.send_email,
    "E6": personvern.get_setting,
    "E7": personvern.set_setting,
    "E8": personvern.residents_with_active_setting,
}


async def dispatch(request: Request) -> Response:
    """The one catch-all route: find the ePROM endpoint for this request, or say why there is none."""
    if not has_prefix(request.url.path):
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
        return await HANDLERS[route.endpoint](request)
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
