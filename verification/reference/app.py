"""The reference ordering system as one Starlette app: callbacks (C1–C4), triggers and probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .control import control_routes
from .inbound import CanonicalCallbackPaths, callback_routes
from .outbound import EpromClient
from .runtime import ReferenceSettings, Runtime
from .store import ReferenceStore

__all__ = ["build_app"]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in the callback shape, without internals."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return JSONResponse({"success": False}, status_code=status)


def build_app(settings: ReferenceSettings) -> Starlette:
    """A fresh app; its database and ePROM client live from lifespan startup to shutdown."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = ReferenceStore(settings.db_path)
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as http:
            eprom = EpromClient(settings.eprom_base_url, settings.api_key, settings.behaviour, http)
            runtime = Runtime(settings, store, eprom)
            app.state.runtime = runtime
            try:
                yield
            finally:
                await runtime.shutdown()
                store.close()

    return Starlette(
        routes=callback_routes() + control_routes(),
        middleware=[Middleware(CanonicalCallbackPaths, keep_trailing_slash=settings.behaviour.no_trailing_slash_route)],
        exception_handlers={404: _http_error, 405: _http_error},
        lifespan=lifespan,
    )
