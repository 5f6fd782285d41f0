"""How the reference ordering system behaves: one frozen settings object, all flags False = correct.

Every behaviour decision of the reference system that a realistic integration could get wrong goes
through :class:`Behaviour`, so a named faulty variant is one flag flip. :data:`VARIANTS` holds the
variants the self-tests and ``eprom-verify selftest`` run the checks against; each has a one-line
description of the realistic mistake in :data:`VARIANT_DESCRIPTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Behaviour", "CORRECT", "VARIANTS", "VARIANT_DESCRIPTIONS", "variant"]


@dataclass(frozen=True)
class Behaviour:
    """Faults (booleans, all False for the correct system) and the knobs of retries and timeouts."""

    # Inbound faults (callbacks C1–C4).
    missing_auth_check: bool = False
    stores_duplicates: bool = False
    falsy_completed: bool = False
    names_only_enums: bool = False
    crashes_on_unknown_fields: bool = False
    # Outbound faults (calls to ePROM).
    rfc_basic_auth: bool = False
    retries_after_read_timeout: bool = False

    # Knobs (the correct values are the defaults).
    e1_read_timeout_s: float = 10.0
    e1_max_retries: int = 2
    e2_timeout_s: float = 5.0
    e2_max_attempts: int = 3
    retry_backoff_s: float = 0.1

    @property
    def faults(self) -> tuple[str, ...]:
        """Names of the fault flags that are switched on."""
        return tuple(name for name, value in vars(self).items() if value is True)


CORRECT = Behaviour()

VARIANT_DESCRIPTIONS: dict[str, str] = {
    "missing_auth_check": "accepts callbacks whatever apiKey (C1–C3) or Authorization header (C4) they carry",
    "stores_duplicates": "no idempotency: every delivery of the same callback is stored again",
    "falsy_completed": "tests formOrderStatus for truthiness, so Completed (0) reads as missing and C2 is rejected",
    "names_only_enums": "accepts enum names only and rejects integers and numeric strings",
    "crashes_on_unknown_fields": "strict deserialiser: an unknown member in a callback gives HTTP 500",
    "rfc_basic_auth": "uses an HTTP library's Basic auth helper: Basic base64(key:) instead of the raw key",
    "retries_slow_orders": "gives up on a slow E1 after 2 s and sends it again, so one trigger can place two orders",
}

VARIANTS: dict[str, Behaviour] = {
    "missing_auth_check": Behaviour(missing_auth_check=True),
    "stores_duplicates": Behaviour(stores_duplicates=True),
    "falsy_completed": Behaviour(falsy_completed=True),
    "names_only_enums": Behaviour(names_only_enums=True),
    "crashes_on_unknown_fields": Behaviour(crashes_on_unknown_fields=True),
    "rfc_basic_auth": Behaviour(rfc_basic_auth=True),
    "retries_slow_orders": replace(CORRECT, retries_after_read_timeout=True, e1_read_timeout_s=2.0),
}


def variant(name: str) -> Behaviour:
    """The named faulty variant, or ``"correct"`` for the correct system."""
    if name == "correct":
        return CORRECT
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"unknown reference variant {name!r}; known: correct, {', '.join(VARIANTS)}") from None
