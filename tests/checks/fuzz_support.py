"""Live reference ordering systems (correct or named variants) behind the simulator, wired as ``demo`` does.

:func:`live_references` starts one reference system and one simulator per variant, in parallel (each start
is mostly waiting for two child processes), loads the demo target file of each and yields what a fuzz case
gets from the plugin's fixtures: the target, the session store, the simulator and the system.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verification.config import load_target
from verification.commands.demo import DEMO_KEY_VARIABLE, free_port, write_demo_target
from verification.recorder.store import SessionStore
from verification.reference import run_reference_system
from verification.simulator import SimulatorSettings, run_simulator
from verification.scenarios.fuzz import OrderPair, order_pairs, orders_needed, placed_orders, status_orders_needed
from verification.system import SystemUnderVerification


@dataclass
class Live:
    variant: str
    target: Any
    store: SessionStore
    simulator: Any
    system: SystemUnderVerification

    def orders(self, check_id: str | None = None) -> dict[str, OrderPair]:
        """The orders each fuzz plan sends to (only ``check_id``'s when given), placed through the trigger."""
        where = {"form_id": self.target.forms[0].id, "national_id": self.target.test_persons[0]}
        status_ids, problems = placed_orders(self.system, self.simulator, count=status_orders_needed(), kit_c1=True,
                                             **where)
        return_ids, more = placed_orders(self.system, self.simulator, count=orders_needed(), **where)
        assert len(status_ids) == status_orders_needed() and len(return_ids) == orders_needed(), problems + more
        pairs = order_pairs(status_ids, return_ids)
        return {check_id: pairs[check_id]} if check_id else pairs


@contextmanager
def _live(folder: Path, variant: str) -> Iterator[Live]:
    """One reference system and its simulator; the key is already in ``DEMO_KEY_VARIABLE``."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with run_reference_system(eprom_base_url=f"http://127.0.0.1:{port}/promswebapi",
                              api_key=os.environ[DEMO_KEY_VARIABLE], behaviour=variant,
                              db_path=str(folder / "reference.sqlite")) as reference:
        write_demo_target(folder / "target.yaml", eprom_port=port, reference=reference)
        target = load_target(folder / "target.yaml")
        with SessionStore(folder / "session.sqlite", session=folder.name) as store:
            settings = SimulatorSettings.from_target(target, store_path=str(store.path))
            with run_simulator(settings, host="127.0.0.1", port=port) as simulator:
                system = SystemUnderVerification(target, store)
                try:
                    yield Live(variant, target, store, simulator, system)
                finally:
                    system.close()


@contextmanager
def live_references(root: Path, variants: Sequence[str]) -> Iterator[dict[str, Live]]:
    """Every variant live at once (one shared demo key, set before any target file is read)."""
    previous = os.environ.get(DEMO_KEY_VARIABLE)
    os.environ[DEMO_KEY_VARIABLE] = f"test-{secrets.token_urlsafe(12)}"
    try:
        with ExitStack() as stack, ThreadPoolExecutor(max_workers=len(variants)) as pool:
            started = pool.map(lambda name: stack.enter_context(_live(root / name, name)), variants)
            yield {live.variant: live for live in started}
    finally:
        if previous is None:
            os.environ.pop(DEMO_KEY_VARIABLE, None)
        else:
            os.environ[DEMO_KEY_VARIABLE] = previous
