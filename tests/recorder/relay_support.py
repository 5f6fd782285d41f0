"""Loopback set-ups for the relay tests: the reference system and the simulator, with and without the relay.

Relay mode: reference system → relay (ePROM face) → simulator as upstream → relay (callback face) →
reference system, the relay recording into the session store and the simulator recording nothing (as a
real ePROM would not). Simulator mode: the same two, connected directly, the simulator recording.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from verification.config import load_target
from verification.recorder.relay import RelayHandle, RelaySettings, bind, run_relay
from verification.recorder.store import SessionStore
from verification.reference import run_reference_system
from verification.simulator import Form, Person, RetryPolicy, SimulatorSettings, run_simulator
from verification.spec.national_id import VERIFICATION_PERSON

KEY = "relay-test-key-41c2"
FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
PERSON = VERIFICATION_PERSON
ORDER = {"formId": FORM, "nationalId": PERSON, "mustBeSigned": True, "signingText": "Jeg bekrefter"}


@dataclass
class Topology:
    simulator: Any
    reference: Any
    store_path: Path
    target: Any
    relay: RelayHandle | None = None

    def wait_download(self, signed_form_id: str, timeout: float = 5.0) -> None:
        """Until the E2 for the document is in the session store (relay: its own connection wakes)."""
        path = f"/api/ExternalDocument/{signed_form_id}"
        if self.relay is not None:
            found = self.relay.store.wait_for(lambda ex: ex.path.lower().endswith(path.lower()), timeout=timeout,
                                              direction="to_eprom")
        else:
            found = self.simulator.wait(after=0, timeout=timeout, direction="to_eprom", path=path)
        assert found, f"no E2 for {signed_form_id} within {timeout}s"


def simulator_settings(callback_base_url: str, store_path: str | None = None) -> SimulatorSettings:
    return SimulatorSettings(
        api_key=KEY, callback_base_url=callback_base_url, forms={FORM: Form("RAND-12", signing=True, patient_orderable=True)},
        population={PERSON: Person()}, retry=RetryPolicy(attempts=2, backoff_s=(0.05,), timeout_s=5.0),
        store_path=store_path,
    )


def write_target(path: Path, *, system_url: str, upstream: str, public_url: str) -> Any:
    document = {
        "name": "relay test", "environment": "test", "api_key": KEY,
        "eprom": {"mode": "relay", "listen": "127.0.0.1:0", "upstream": upstream, "public_url": public_url},
        "bestillersystem": {"callback_base_url": system_url,
                            "capabilities": ["formorder", "message", "sms", "email", "personvern", "signing"]},
        "forms": [{"id": FORM, "name": "RAND-12", "signing": True, "paper": False}],
        "test_persons": [PERSON],
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return load_target(path)


@dataclass
class Loop:
    """Simulator and reference system wired for a relay on two fixed loopback ports; relays come and go."""

    simulator: Any
    reference: Any
    ports: tuple[int, int]
    folder: Path

    @contextmanager
    def relay(self, store_path: Path | None = None) -> Iterator[Topology]:
        """A relay on the loop's ports recording into ``store_path`` (a new store by default)."""
        store_path = store_path or Path(tempfile.mkdtemp(dir=self.folder)) / "session.sqlite"
        store_path.parent.mkdir(parents=True, exist_ok=True)
        callback_url = f"http://127.0.0.1:{self.ports[1]}"
        target = write_target(store_path.parent / "target.yaml", system_url=self.reference.base_url,
                              upstream=self.simulator.api_base_url, public_url=callback_url)
        sockets = [bind("127.0.0.1", port) for port in self.ports]
        settings = RelaySettings.from_target(target, store_path=str(store_path))
        with run_relay(settings, eprom_socket=sockets[0], callback_socket=sockets[1]) as relay:
            yield Topology(self.simulator, self.reference, store_path, target, relay)


@contextmanager
def relay_loop(folder: Path, *, behaviour: str = "correct") -> Iterator[Loop]:
    probe_sockets = [bind("127.0.0.1", 0), bind("127.0.0.1", 0)]  # the OS picks two ports for the relay
    ports = tuple(sock.getsockname()[1] for sock in probe_sockets)
    for sock in probe_sockets:
        sock.close()
    with run_simulator(simulator_settings(f"http://127.0.0.1:{ports[1]}")) as simulator, run_reference_system(
        eprom_base_url=f"http://127.0.0.1:{ports[0]}/promswebapi", api_key=KEY, behaviour=behaviour
    ) as reference:
        yield Loop(simulator, reference, ports, folder)  # type: ignore[arg-type]


@contextmanager
def simulator_topology(folder: Path, *, behaviour: str = "correct") -> Iterator[Topology]:
    store_path = folder / "session.sqlite"
    with run_simulator(simulator_settings("http://127.0.0.1:9", str(store_path))) as simulator, run_reference_system(
        eprom_base_url=simulator.api_base_url, api_key=KEY, behaviour=behaviour
    ) as reference:
        simulator.configure(callback_base_url=reference.base_url)
        target = write_target(folder / "target.yaml", system_url=reference.base_url,
                              upstream=simulator.api_base_url, public_url=simulator.base_url)
        yield Topology(simulator, reference, store_path, target)


def place_signed_order(topology: Topology) -> str:
    """Order through the system's own trigger (as its user would), and wait until the C1 was delivered."""
    answer = httpx.post(topology.reference.trigger_url, json=ORDER, timeout=10).json()
    order_id = answer["formOrderId"]
    topology.simulator.order(order_id, settled=True)
    return order_id


def return_signed_form(topology: Topology, order_id: str) -> None:
    """The simulated citizen signs and delivers; wait for the system's download of the signed PDF."""
    completed = topology.simulator.complete(order_id, answers={"q1": 1}, sign=True)
    topology.wait_download(completed["sent"]["signedFormId"])


def send_messages(topology: Topology) -> None:
    base = topology.reference.base_url
    for kind, body in (("message", {"nationalId": PERSON}), ("sms", {"nationalId": PERSON, "smsText": "Hei"}),
                       ("email", {"nationalId": PERSON, "emailTitle": "Hei", "emailText": "Hei"}),
                       ("personvern", {"nationalId": PERSON, "type": "Reservasjon", "status": "Aktiv"})):
        httpx.post(f"{base}/_trigger/{kind}", json=body, timeout=10).raise_for_status()


def statuses(store_path: Path, target: Any) -> dict[str, str]:
    from verification.scenarios.recorded import judge_recorded

    with SessionStore(store_path) as store:
        return {verdict.check_id: verdict.status for verdict in judge_recorded(store, target)}
