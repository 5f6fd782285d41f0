"""The system-side contract: an OpenAPI 3.1 description of everything the kit calls on an ordering system
(callbacks C1–C4, trigger per kind, probes) and the replies it accepts (``bestillersystem.openapi.yaml``,
shipped as package data, served by ``eprom-verify simulate`` at ``GET /_sim/openapi.json``)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .checklist import safe_load

__all__ = ["CONTRACT_PATH", "system_contract"]

CONTRACT_PATH = Path(__file__).with_name("bestillersystem.openapi.yaml")


@functools.cache
def _cached() -> dict[str, Any]:
    return safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def system_contract() -> dict[str, Any]:
    """The OpenAPI document as plain data (a fresh copy: callers may change it)."""
    import copy

    return copy.deepcopy(_cached())
