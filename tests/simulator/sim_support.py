"""Shared pieces of the simulator tests: a real callback receiver, the simulated register, helpers.

The receiver is a Starlette app on uvicorn in a thread of the test process (the simulator itself runs in
its own process). It answers each callback path from a script (status, body, delay) and records what it
received; tests wait on its condition, never sleep.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from verification.serving import serve_in_thread  # noqa: F401 - the simulator tests' receiver
from verification.simulator import Form, Person, RetryPolicy, SimulatorSettings
from verification.spec.national_id import SAMPLE_ID_NEVER_USE, VERIFICATION_PERSON, synthetic_national_ids

API_KEY = "sim-test-key-3f9a"
OTHER_KEY = "other-system-key-77c1"
FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"  # RAND-12
PAPER_FORM = "2f6d1e2a-6a51-4f0e-9c1e-0b1f4d1c2a01"
UNPUBLISHED_FORM = "3a7e2f3b-7b62-4a1f-8d2f-1c2e5e2d3b02"
SIGNED_INITIATE_FORM = "4b8f3a4c-8c73-4b2a-9e3a-2d3f6f3e4c03"
SIGNING_FORM = "7c2d9e1f-3a4b-4c5d-8e6f-9a0b1c2d3e4f"  # "Signering støttes", patient orders need no signature
UNKNOWN_FORM = "5c9a4b5d-9d84-4c3b-8f4b-3e4a7a4f5d04"

PERSON = VERIFICATION_PERSON  # every channel
UNREACHABLE, MAILBOX_ONLY, UNSECURE_ONLY, NO_CONSENT, PAPER_ONLY_PERSON, GONE = synthetic_national_ids(6, seed=7)
SYNTHETIC_UNLISTED = synthetic_national_ids(1, seed=99)[0]
D_NUMBER = synthetic_national_ids(1, d_number=True, seed=3)[0]
ORDINARY_UNLISTED = SAMPLE_ID_NEVER_USE  # an ordinary id, not in the register: does not exist
FH_NUMBER = "81234567890"
H_NUMBER = "01410112345"

NOBODY = Person(helsenorge=False, digital_mailbox=False, unsecure=False, paper_address=False)


def simulator_settings(callback_base_url: str, **overrides: Any) -> SimulatorSettings:
    values: dict[str, Any] = dict(
        api_key=API_KEY,
        other_api_keys=(OTHER_KEY,),
        callback_base_url=callback_base_url,
        population={
            PERSON: Person(),
            D_NUMBER: Person(),
            UNREACHABLE: NOBODY,
            MAILBOX_ONLY: Person(helsenorge=False, unsecure=False, paper_address=False),
            UNSECURE_ONLY: Person(helsenorge=False, digital_mailbox=False, paper_address=False),
            NO_CONSENT: Person(consent=False, digital_mailbox=False, unsecure=False, paper_address=False),
            PAPER_ONLY_PERSON: Person(helsenorge=False, digital_mailbox=False, unsecure=False),
            GONE: Person(exists=False),
        },
        forms={
            FORM: Form("RAND-12", patient_orderable=True),
            PAPER_FORM: Form("Paper form", paper=True),
            UNPUBLISHED_FORM: Form("Draft", published=False),
            SIGNED_INITIATE_FORM: Form("Signed by patient", patient_orderable=True, patient_signing=True),
            SIGNING_FORM: Form("Signing supported", signing=True, patient_orderable=True),
        },
        # Every callback retried, so that the retry mechanism is tested on C1 too (by default only C2 is).
        retry=RetryPolicy(attempts=3, backoff_s=(0.01, 0.02), timeout_s=2.0, callbacks=("C1", "C2", "C3", "C4")),
    )
    values.update(overrides)
    return SimulatorSettings(**values)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "formId": FORM,
        "nationalId": PERSON,
        "expiryDate": "2099-03-11T09:46:46.000Z",
        "metadata": json.dumps({"age": 76}),
        "dontStoreCompletedFormInPha": False,
        "distributionRule": "Basic",
        "mustBeSigned": False,
        "signingText": None,
        "physicalAddress": None,
        "testMode": False,
        "onBehalfOfNationalId": None,
    }
    body.update(overrides)
    return body


def auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Basic {key}"}


# --- the receiver -------------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"success": True})
    delay_s: float = 0.0


class Receiver:
    """The ordering system's callback endpoints, scripted per path."""

    def __init__(self) -> None:
        self.url = ""
        self.received: list[Received] = []
        self._script: dict[str, list[Reply]] = {}
        self._changed = threading.Condition()

    def reset(self) -> None:
        with self._changed:
            self.received.clear()
            self._script.clear()

    def script(self, path: str, *replies: Reply) -> None:
        """The next answers on ``path`` (e.g. ``/api/PromsFormOrder``); afterwards ``{"success": true}``."""
        with self._changed:
            self._script.setdefault(path.lower(), []).extend(replies)

    def wait_for(
        self, predicate: Callable[[Received], bool], *, count: int = 1, timeout: float = 5.0
    ) -> list[Received]:
        """At least ``count`` matching callbacks, waiting at most ``timeout`` seconds; fails otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.received if predicate(r)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._changed.wait(remaining)
        assert len(found) >= count, f"expected {count} matching callbacks within {timeout} s, got {found}"
        return found

    def for_order(self, form_order_id: str, *, count: int = 1, timeout: float = 5.0) -> list[Received]:
        return self.wait_for(lambda r: r.json.get("formOrderId") == form_order_id, count=count, timeout=timeout)

    async def _handle(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        received = Received(request.method, request.url.path, dict(request.headers), body)
        with self._changed:
            queue = self._script.get(request.url.path.lower(), [])
            reply = queue.pop(0) if queue else Reply()
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)  # a slow system, as scripted
        with self._changed:
            self.received.append(received)
            self._changed.notify_all()
        return JSONResponse(reply.body, status_code=reply.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["PUT", "POST", "GET"])])


def post(client: httpx.Client, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(path, json=body, headers=headers if headers is not None else auth())
