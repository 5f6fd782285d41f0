"""Plumbing of the admin API (``/_sim/``): JSON in, JSON out, refusals and errors as answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import EpromVerifyError
from .orders import CitizenRefusal

__all__ = ["AdminError", "admin_endpoint", "request_json"]


class AdminError(EpromVerifyError):
    """An admin request the simulator answers with ``{"error": message}`` and ``status``."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


async def request_json(request: Request, allowed: set[str]) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise AdminError(400, "body must be JSON") from None
    if not isinstance(data, dict):
        raise AdminError(400, "body must be a JSON object")
    unknown = set(data) - allowed
    if unknown:
        raise AdminError(400, f"unknown members {sorted(unknown)}; allowed: {sorted(allowed)}")
    return data


def admin_endpoint(handler: Any) -> Any:
    """Turn ``AdminError``/``CitizenRefusal`` into JSON answers."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, request.app.state.simulator)
        except AdminError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except CitizenRefusal as refusal:
            return JSONResponse({"refused": str(refusal)}, status_code=409)

    return endpoint
