"""The simulator's state: settings (changeable at runtime), register look-ups, orders, letters, signed
documents, privacy settings, faults, the exchange log and the callback dispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from verification.recorder.store import SessionStore
from verification.spec.enums import PersonvernInnstillingStatus, PersonvernInnstillingType
from verification.spec.national_id import NationalIdKind, classify

from .dispatcher import CallbackDispatcher, DeliveryOutcome
from .exchange_log import ExchangeLog
from .faults import FaultBoard
from .orders import Letter, Order
from .settings import DOCUMENTED_PERSONS, Form, Person, SimulatorSettings

__all__ = ["SimulatorState", "PrivacyRecord", "PRIVACY_DEFINITIONS"]

# id and name of each privacy-setting definition when the request names no pvkId; the Reservasjon pair is
# the guide's C4 example, the Samtykke one is the simulator's own.
PRIVACY_DEFINITIONS = {
    PersonvernInnstillingType.Reservasjon: ("b3cda307-154c-4af4-87d3-30567c931924", "Reservasjon mot registrering"),
    PersonvernInnstillingType.Samtykke: ("5f1c8e0a-6b7d-4d44-9a57-0d6f3c2b9e11", "Samtykke til registrering"),
}


@dataclass
class PrivacyRecord:
    """A citizen's instance of one privacy setting."""

    setting_id: str
    name: str
    status: PersonvernInnstillingStatus
    sequence_number: int
    created: str
    last_changed: str


def oslo_now() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Oslo")).isoformat(timespec="milliseconds")


class SimulatorState:
    """Everything one simulator instance knows."""

    def __init__(self, settings: SimulatorSettings):
        self.settings = settings
        self.store = SessionStore(settings.store_path, session=settings.session) if settings.store_path else None
        self.log = ExchangeLog(self.store)
        self.dispatcher = CallbackDispatcher(self.log, lambda: self.settings)
        self.faults = FaultBoard()
        self.orders: dict[str, Order] = {}
        self.letters: dict[str, Letter] = {}
        self.documents: dict[str, bytes] = {}
        self.privacy: dict[tuple[str, PersonvernInnstillingType], PrivacyRecord] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- register ------------------------------------------------------------------------------

    def person(self, national_id: str) -> Person | None:
        """The person with this id, or ``None`` when the register has no such person (see settings)."""
        listed = self.settings.population.get(national_id)
        if listed is not None:
            return listed if listed.exists else None
        if national_id in DOCUMENTED_PERSONS:
            return DOCUMENTED_PERSONS[national_id]
        info = classify(national_id)
        if not info.check_digits_ok or info.kind not in (NationalIdKind.FODSELSNUMMER, NationalIdKind.D_NUMBER):
            return None
        if info.synthetic or self.settings.unknown_ids_exist:
            return self.settings.default_person
        return None

    def form(self, form_id: str) -> Form | None:
        return self.settings.forms.get(form_id.lower())

    def key_owner(self, key: str | None) -> str | None:
        """``"self"`` for the system's key, ``"other"`` for another system's, ``None`` for an unknown key."""
        if key is None:
            return None
        if key == self.settings.api_key:
            return "self"
        return "other" if key in self.settings.other_api_keys else None

    # --- background work ---------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.dispatcher.close()
        if self.store is not None:
            self.store.close()

    async def settle(self, order: Order) -> bool:
        """Wait until the order's C1 was delivered, skipped or given up; ``False`` if that took longer than
        one delivery can (the configured delay plus the retry policy's worst case)."""
        budget = self.settings.callback_delay_s + self.settings.retry.worst_case_s("C1") + 5
        try:
            await asyncio.wait_for(order.distributed.wait(), budget)
        except TimeoutError:
            return False
        return True

    # --- delivery ----------------------------------------------------------------------------------

    async def deliver(
        self,
        callback: str,
        body: dict[str, Any],
        *,
        record: list[DeliveryOutcome],
        meta: dict[str, Any],
        skip_reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> DeliveryOutcome:
        """Deliver (or deliberately skip) one callback; its outcome is in ``record`` from the start."""
        outcome = DeliveryOutcome(callback, "", finished=skip_reason is not None, skipped=skip_reason)
        record.append(outcome)
        if skip_reason is None:
            await self.dispatcher.deliver(callback, body, meta=meta, headers=headers, outcome=outcome)
        return outcome
