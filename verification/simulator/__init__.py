"""The embedded ePROM simulator: ePROM's API (E1–E8) as the guide describes it, callbacks (C1–C4) with
bounded retries, a simulated citizen, fault injection, and a recorded log of every exchange.

Public API::

    SimulatorSettings, Person, Form, RetryPolicy      settings (JSON-serialisable; from_target)
    create_app(settings) -> Starlette                  the ASGI app (in-process use)
    run_simulator(settings) -> SimulatorHandle         context manager: the app in its own process
    serve(settings, host, port)                        foreground, for ``eprom-verify simulate``

Exceptions: ``SettingsError`` (bad settings) · ``SimulatorStartError`` (the process did not come up) ·
``SimulatorAdminError`` (an admin call answered 4xx/5xx; a refusal of the simulated citizen is 409).
"""

from .app import create_app
from .process import BUSY_PORT_FIX, SimulatorAdminError, SimulatorHandle, SimulatorStartError, run_simulator, serve
from .settings import DEFAULT_PERSON, EVERY_CHANNEL, Form, Person, RetryPolicy, SettingsError, SimulatorSettings

__all__ = [
    "SimulatorSettings",
    "Person",
    "Form",
    "RetryPolicy",
    "DEFAULT_PERSON",
    "EVERY_CHANNEL",
    "SettingsError",
    "create_app",
    "run_simulator",
    "serve",
    "SimulatorHandle",
    "SimulatorStartError",
    "BUSY_PORT_FIX",
    "SimulatorAdminError",
]
