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

from .features import enum_form_features, forward_compat_features, timestamp_features
from .fuzz_stimuli import (
    enum_form_examples,
    enum_form_stimuli,
    forward_compat_examples,
    forward_compat_stimuli,
    timestamp_examples,
    timestamp_stimuli,
)
from .fuzzing import FuzzRun, StoredCounts, fuzz_callbacks
from .strategies import Stimulus

__all__ = ["FuzzPlan", "FUZZ_PLANS", "OrderPair", "ORDERS_OF", "run_fuzz_plan", "order_pairs", "orders_needed",
           "placed_orders"]


@dataclass(frozen=True)
class FuzzPlan:
    """One fuzz check: ``stimuli`` takes the order-id strategies (``status_order_ids``, ``return_order_ids``),
    ``examples`` the ids themselves (``status_order_id``, ``return_order_id``)."""

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


@dataclass(frozen=True)
class OrderPair:
    """Where a plan's examples go: C1s to one order, C2s to another."""

    status_order_id: str
    return_order_id: str


# A check that judges stored counts needs orders of its own (a meaning another check already sent is not
# new, and a return order with answers already stored proves nothing). R-TIMESTAMPS judges acceptance only.
ORDERS_OF = {"R-ENUM-FORMS": "R-ENUM-FORMS", "R-TIMESTAMPS": "R-ENUM-FORMS", "R-FORWARD-COMPAT": "R-FORWARD-COMPAT"}


def order_pairs(order_ids: list[str]) -> dict[str, OrderPair]:
    """Each plan's :class:`OrderPair`, from ``2 × len(set(ORDERS_OF.values()))`` order ids."""
    owners = sorted(set(ORDERS_OF.values()))
    if len(order_ids) < 2 * len(owners):
        raise ValueError(f"{len(order_ids)} order ids for {len(owners)} pairs")
    pairs = {owner: OrderPair(order_ids[2 * i], order_ids[2 * i + 1]) for i, owner in enumerate(owners)}
    return {check_id: pairs[owner] for check_id, owner in ORDERS_OF.items()}


def orders_needed() -> int:
    return 2 * len(set(ORDERS_OF.values()))


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
    from ..checks.round_trip import acknowledged

    plan = FUZZ_PLANS[check_id]
    ids = {"status_order_id": orders.status_order_id, "return_order_id": orders.return_order_id}
    stimuli = plan.stimuli(status_order_ids=st.just(orders.status_order_id),
                           return_order_ids=st.just(orders.return_order_id))
    return fuzz_callbacks(
        system, stimuli, check_id=check_id, accepted=accepted or acknowledged, profile=profile, seed=seed,
        observer=StoredCounts(system) if plan.observes_storage else None, labels=plan.features,
        examples=plan.examples(**ids),
    )


def placed_orders(
    system: Any, simulator: Any, *, form_id: str, national_id: str, count: int, timeout: float = 10.0
) -> tuple[list[str], list[str]]:
    """Have the system place ``count`` orders through its trigger; ``(order ids, problems)``.

    Each order's own C1 from the simulator is awaited and settled first, so the fuzz examples that follow
    are the only callbacks its stored counts can change with.
    """
    from ..scenarios import place_order

    ids: list[str] = []
    problems: list[str] = []
    for _ in range(count):
        placement = place_order(system, simulator, {"formId": form_id, "nationalId": national_id}, settle_s=0.05)
        problems += placement.problems
        if placement.form_order_id is None:
            break
        simulator.wait(after=0, timeout=timeout, direction="to_system", callback="C1",
                       formOrderId=placement.form_order_id)
        simulator.order(placement.form_order_id, settled=True)
        ids.append(placement.form_order_id)
    return ids, problems
