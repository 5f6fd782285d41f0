"""V0: the checklist is to be verified in ePROM's test environment ("__skal__ verifiseres i testmiljø")."""

from __future__ import annotations

from typing import Any

from ..spec.hosts import is_production_url
from .failure import Deviations

__all__ = ["check_test_environment"]


def check_test_environment(target: Any) -> None:
    """The session ran against ePROM's test or QA environment through the recording relay."""
    found = Deviations("V0")
    found.check("V0.1", target.eprom.mode == "relay", "eprom.mode", target.eprom.mode,
                "relay: the system talks to ePROM's test environment through the recording relay")
    found.check("V0.2", target.environment in ("test", "qa"), "environment", target.environment, "test or qa")
    upstream = target.eprom.upstream or ""
    found.check("V0.3", bool(upstream) and not is_production_url(upstream), "eprom.upstream", upstream or None,
                "ePROM's test or QA API (never production)")
    found.raise_if_any()
