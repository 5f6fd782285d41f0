"""The two hypothesis profiles of a verification run, registered in one place, and how one is chosen.

- ``quick`` — CI regression: few examples per fuzz check, derandomized, no example database, no explain
  phase (it replays many variations of a failure: slow over a socket).
- ``certification`` — evidence for Hemit: derandomized (the same examples on every run of the same kit
  version, so a reviewer reproduces a failure by running the kit again), many more examples, no example
  database (a local database would make runs differ), ``print_blob`` so a failure carries the
  ``@reproduce_failure`` blob.

Both run without a deadline: a round trip over a socket to the system under verification has its own
budget (R-LATENCY), hypothesis' per-example deadline would only make runs flaky.

The profile is chosen by :func:`resolve_profile`: command line (``--profile`` / ``--eprom-profile``) >
the target file's ``profile`` > ``quick``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

__all__ = [
    "PROFILES", "DEFAULT_PROFILE", "register_profiles", "resolve_profile", "profile_settings", "load_profile",
    "describe",
]

DEFAULT_PROFILE = "quick"
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "max_examples": 25,
        "derandomize": True,
        "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    },
    "certification": {
        "max_examples": 300,
        "derandomize": True,
    },
}
_COMMON: dict[str, Any] = {
    "database": None,
    "deadline": None,
    "print_blob": True,
    "report_multiple_bugs": False,  # one minimal failing request per check, not one per distinct error
    # Each example is a request over a socket; data generation is never what makes a fuzz check slow.
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large),
}
_PREFIX = "eprom-verify-"


def register_profiles() -> None:
    """Register both profiles with hypothesis (idempotent) as ``eprom-verify-quick`` / ``…-certification``."""
    for name, values in PROFILES.items():
        settings.register_profile(_PREFIX + name, **{**_COMMON, **values})


def resolve_profile(command_line: str | None = None, target_file: str | None = None) -> str:
    """The profile to run: the command line's, else the target file's, else :data:`DEFAULT_PROFILE`."""
    name = command_line or target_file or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    return name


def profile_settings(name: str) -> settings:
    """The hypothesis settings of profile ``name``."""
    register_profiles()
    return settings.get_profile(_PREFIX + resolve_profile(name))


def load_profile(name: str) -> str:
    """Make profile ``name`` hypothesis' default for this process (what the evidence reports); returns it."""
    register_profiles()
    settings.load_profile(_PREFIX + resolve_profile(name))
    return name


def describe(name: str, *, seed: int | None = None) -> dict[str, Any]:
    """What a reviewer needs to reproduce a run: the profile's settings, as plain data."""
    chosen = profile_settings(name)
    return {
        "profile": name,
        "max_examples": chosen.max_examples,
        "derandomize": chosen.derandomize,
        "seed": seed,
        "database": None if chosen.database is None else type(chosen.database).__name__,
        "print_blob": chosen.print_blob,
        "phases": [phase.name for phase in chosen.phases],
        "hypothesis_version": _hypothesis_version(),
    }


def _hypothesis_version() -> str:
    import hypothesis

    return hypothesis.__version__
