"""The simulator as an ASGI app: ePROM's endpoints (E1–E8, retired v1) plus the admin API under ``/_sim/``.

:func:`create_app` builds it from :class:`~verification.simulator.settings.SimulatorSettings`; the state is
at ``app.state.simulator``. Requests outside ``/_sim/`` go through the recording middleware and one
catch-all route that matches ePROM's paths case-insensitively (:mod:`.routing`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from .admin import admin_routes
from .recording import ADMIN_PREFIX, RecordingMiddleware
from .routing import dispatch
from .settings import SimulatorSettings
from .state import SimulatorState

__all__ = ["create_app"]

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(settings: SimulatorSettings) -> Starlette:
    state = SimulatorState(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.close()

    app = Starlette(
        routes=[
            Mount(ADMIN_PREFIX, routes=admin_routes),
            Route("/{path:path}", dispatch, methods=_ALL_METHODS),
        ],
        middleware=[Middleware(RecordingMiddleware, state=state)],
        lifespan=lifespan,
    )
    app.state.simulator = state
    return app
