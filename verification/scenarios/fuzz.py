"""The three fuzz checks as data: what each sends, which cases it always covers, what it observes.

A :class:`FuzzPlan` ties a check id to its strategy, its explicit examples and its features; the case,
the self-tests and the bench all run a check through :func:`run_fuzz_plan`, so they send exactly the same.
:func:`placed_orders` arranges the orders the examples go to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..checks.round_trip import acknowledged
from .sender import place_order
from ..stimuli.features import enum_form_features, forward_compat_features, timestamp_features
from ..stimuli.fuzz_stimuli import (
    enum_form_examples,
    enum_form_stimuli,
    forward_compat_examples,
    forward_compat_stimuli,
    timestamp_examples,
    timestamp_stimuli,
)
from ..stimuli.fuzzing import FuzzRun, StoredCounts, fuzz_callbacks
from ..stimuli.strategies import BASIC_C1_MEANINGS, REQUIRED_C1_MEANINGS, C1Meaning, Stimulus

__all__ = ["FuzzPlan", "FUZZ_PLANS", "MEANINGS_OF", "OrderPair", "ORDERS_OF", "run_fuzz_plan", "order_pairs",
           "orders_needed", "status_orders_needed", "placed_orders"]


@dataclass(frozen=True)
class FuzzPlan:
    """One fuzz check: ``stimuli`` takes ``status_orders`` (order id, meaning pairs) and the strategy of
    ``return_order_ids``; ``examples`` ``status_orders`` and ``return_order_id``."""

    check_id: str
    stimuli: Callable[..., SearchStrategy[Stimulus]]
    examples: Callable[..., list[Stimulus]]
    features: Callable[[Stimulus], list[str]]
    observes_storage: bool  # judge the probe counts (the meaning was kept), when a probe is configured


FUZZ_PLANS: dict[str, FuzzPlan] = {
    plan.check_id: plan
    for plan in (
        FuzzPlan("R-ENUM-FORMS", enum_form_stimuli, enum_form_examples, enum_form_features, True),
        FuzzPlan("R-TIMESTAMPS", timestamp_stimuli, timestamp_examples, timestamp_features, False),
        FuzzPlan("R-FORWARD-COMPAT", forward_compat_stimuli, forward_compat_examples, forward_compat_features, True),
    )
}

# The C1 meanings each plan's status orders are pinned to, one order each (ePROM sends one C1 per order).
MEANINGS_OF: dict[str, tuple[C1Meaning, ...]] = {
    "R-ENUM-FORMS": REQUIRED_C1_MEANINGS,
    "R-FORWARD-COMPAT": BASIC_C1_MEANINGS,
}


@dataclass(frozen=True)
class OrderPair:
    """Where a plan's requests go: each C1 meaning to an order of its own, C2s to one more order."""

    status_orders: tuple[tuple[str, C1Meaning], ...]
    return_order_id: str


# A check that judges stored counts needs orders of its own (a meaning another check already sent is not
# new, and a return order with answers already stored proves nothing). R-TIMESTAMPS judges acceptance only
# and sends R-ENUM-FORMS' meanings (BASIC_C1_MEANINGS are among them).
ORDERS_OF = {"R-ENUM-FORMS": "R-ENUM-FORMS", "R-TIMESTAMPS": "R-ENUM-FORMS", "R-FORWARD-COMPAT": "R-FORWARD-COMPAT"}


def _owners() -> list[str]:
    return sorted(set(ORDERS_OF.values()))


def status_orders_needed() -> int:
    """Orders whose one C1 the kit delivers (the simulator withholds its own)."""
    return sum(len(MEANINGS_OF[owner]) for owner in _owners())


def orders_needed() -> int:
    """Return orders (their C1 delivered by the simulator), one per plan that owns orders."""
    return len(_owners())


def order_pairs(status_order_ids: list[str], return_order_ids: list[str]) -> dict[str, OrderPair]:
    """Each plan's :class:`OrderPair` from :func:`status_orders_needed` and :func:`orders_needed` ids."""
    if len(status_order_ids) < status_orders_needed() or len(return_order_ids) < orders_needed():
        raise ValueError(f"{len(status_order_ids)} status and {len(return_order_ids)} return order ids are too few")
    pairs, ids = {}, iter(status_order_ids)
    for owner, return_id in zip(_owners(), return_order_ids, strict=False):
        pairs[owner] = OrderPair(tuple((next(ids), meaning) for meaning in MEANINGS_OF[owner]), return_id)
    return {check_id: pairs[owner] for check_id, owner in ORDERS_OF.items()}


def run_fuzz_plan(
    system: Any,
    check_id: str,
    orders: OrderPair,
    *,
    profile: str = "quick",
    seed: int | None = None,
    accepted: Callable[[Any], bool] | None = None,
) -> FuzzRun:
    """Run the fuzz check ``check_id`` against ``system`` (C1s and C2s to ``orders``); acceptance is
    ``acknowledged`` (2xx with ``success: true``) unless given."""
    plan = FUZZ_PLANS[check_id]
    stimuli = plan.stimuli(status_orders=orders.status_orders, return_order_ids=st.just(orders.return_order_id))
    return fuzz_callbacks(
        system, stimuli, check_id=check_id, accepted=accepted or acknowledged, profile=profile, seed=seed,
        observer=StoredCounts(system) if plan.observes_storage else None, labels=plan.features,
        examples=plan.examples(status_orders=orders.status_orders, return_order_id=orders.return_order_id),
    )


def placed_orders(
    system: Any, simulator: Any, *, form_id: str, national_id: str, count: int, timeout: float = 10.0,
    kit_c1: bool = False,
) -> tuple[list[str], list[str]]:
    """Have the system place ``count`` orders through its trigger; ``(order ids, problems)``.

    Each order's own C1 from the simulator is awaited and settled first, so the fuzz examples that follow
    are the only callbacks its stored counts can change with; with ``kit_c1`` the simulator withholds it,
    and the order's one C1 is the fuzz run's.
    """
    ids: list[str] = []
    problems: list[str] = []
    if kit_c1:
        simulator.configure(c1_delivery="withhold")
    try:
        for _ in range(count):
            placement = place_order(system, simulator, {"formId": form_id, "nationalId": national_id}, settle_s=0.05)
            problems += placement.problems
            if placement.form_order_id is None:
                break
            if not kit_c1:
                simulator.wait(after=0, timeout=timeout, direction="to_system", callback="C1",
                               formOrderId=placement.form_order_id)
            simulator.order(placement.form_order_id, settled=True)
            ids.append(placement.form_order_id)
    finally:
        if kit_c1:
            simulator.configure(c1_delivery=simulator.settings.c1_delivery)
    return ids, problems
