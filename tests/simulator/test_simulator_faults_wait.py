"""Fault injection for outbound tests, runtime configuration, and the long-poll wait."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sim_support import FORM, PAPER_FORM, auth, order_body, post

from verification.simulator import SimulatorAdminError, SimulatorHandle
from verification.spec.wire import ZERO_GUID

E1 = "/api/v2/formorder"


# --- faults --------------------------------------------------------------------------------------------


def test_400_fault_answers_the_documented_text_then_clears(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.inject_fault("E1", "400", count=2)
    first, second, third = (post(eprom, E1, order_body()) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (400, 400, 200)
    assert first.json() == "The ordered form is not Published"


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_error_faults(eprom: httpx.Client, sim: SimulatorHandle, kind: str) -> None:
    sim.inject_fault("E1", kind, message="down for maintenance")
    after = sim.last_exchange_id()
    response = post(eprom, E1, order_body())
    assert response.status_code == int(kind) and response.json() == "down for maintenance"
    # a filter: another test's C2 redelivery (retried 2 s, then 5 s later) may be recorded in between
    (exchange,) = sim.exchanges(after=after, method="POST", path=E1)
    assert exchange["meta"]["fault"] == kind


def test_zero_id_fault_answers_as_for_an_unknown_person(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.inject_fault("E1", "zero_id")
    assert post(eprom, E1, order_body()).json()["id"] == ZERO_GUID
    assert post(eprom, E1, order_body()).json()["id"] != ZERO_GUID


def test_delay_fault_slows_the_answer(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.inject_fault("E1", "delay", delay_s=0.3)
    started = time.perf_counter()
    response = post(eprom, E1, order_body())
    assert response.status_code == 200 and time.perf_counter() - started >= 0.3


def test_letter_faults_use_the_documented_gateway_texts(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.inject_fault("E3", "504")
    sim.inject_fault("E3", "502")
    first = post(eprom, "/api/v2/messagetocitizen", {})
    second = post(eprom, "/api/v2/messagetocitizen", {})
    assert (first.status_code, first.json()) == (504, "Timeout while waiting for response from Helsenorge")
    assert (second.status_code, second.json()) == (502, "Unable to communicate with Helsenorge. No message sent.")


def test_clearing_faults(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.inject_fault("E1", "500", count=5)
    sim.clear_faults()
    assert post(eprom, E1, order_body()).status_code == 200


@pytest.mark.parametrize(
    "fault",
    [{"endpoint": "E99", "kind": "500"}, {"endpoint": "E1", "kind": "teapot"}, {"endpoint": "E4", "kind": "zero_id"},
     {"endpoint": "E1", "kind": "delay"}, {"endpoint": "E1", "kind": "500", "count": 0}],
)
def test_bad_fault_requests_are_refused(sim: SimulatorHandle, fault: dict[str, Any]) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim._call("POST", "/faults", json_body=fault)
    assert refused.value.status == 400


# --- runtime configuration -------------------------------------------------------------------------------


def test_config_changes_what_eprom_knows(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    try:
        sim.configure(forms={FORM: {"name": "RAND-12", "published": False}})
        assert post(eprom, E1, order_body()).json() == "The ordered form is not Published"
        sim.configure(error_texts={"E1-1": "Skjemaet er ikke publisert"})
        assert post(eprom, E1, order_body()).json() == "Skjemaet er ikke publisert"
        sim.configure(api_key="rotated-key")
        assert post(eprom, E1, order_body()).status_code == 401
    finally:
        sim.configure(
            api_key=sim.settings.api_key, error_texts={"E1-1": "The ordered form is not Published"},
            forms={FORM: {"name": "RAND-12", "patient_orderable": True}},
        )
    assert post(eprom, E1, order_body()).status_code == 200


def test_config_can_take_paper_away(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    sim.configure(forms={PAPER_FORM: {"name": "Paper form", "paper": False}})
    try:
        response = post(eprom, E1, order_body(formId=PAPER_FORM, distributionRule="PaperOnly"))
    finally:
        sim.configure(forms={PAPER_FORM: {"name": "Paper form", "paper": True}})
    assert response.json() == f"Form with id='{PAPER_FORM}' is not paper enabled"


def test_config_refuses_unknown_settings(sim: SimulatorHandle) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim.configure(colour="blue")
    assert refused.value.status == 400 and "colour" in refused.value.body["error"]
    with pytest.raises(SimulatorAdminError):
        sim.configure(enum_style="roman")


def test_config_answer_hides_the_keys(sim: SimulatorHandle) -> None:
    shown = sim.configure()
    assert shown["api_key"] == "**********" and sim.settings.api_key not in str(shown)


# --- waiting ----------------------------------------------------------------------------------------------


def test_wait_returns_promptly_when_the_exchange_arrives(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    woke: dict[str, Any] = {}

    def waiter() -> None:
        woke["found"] = sim.wait(after=after, timeout=10, direction="to_eprom", path="/api/v2/formorder")
        woke["at"] = time.perf_counter()

    thread = threading.Thread(target=waiter)
    thread.start()
    started = time.perf_counter()
    response = post(eprom, E1, order_body())
    answered = time.perf_counter()
    thread.join(10)
    assert response.status_code == 200
    assert woke["at"] - answered < 0.1, f"woke {woke['at'] - answered:.3f} s after the answer"
    assert woke["at"] - started < 5
    (exchange,) = woke["found"]
    assert exchange["meta"]["formOrderId"] == response.json()["id"]


def test_wait_answers_an_empty_list_at_the_timeout(sim: SimulatorHandle) -> None:
    started = time.perf_counter()
    assert sim.wait(after=sim.last_exchange_id(), timeout=0.3, callback="C9") == []
    assert 0.3 <= time.perf_counter() - started < 2


def test_wait_matches_callbacks_by_order(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    order_id = post(eprom, E1, order_body()).json()["id"]
    (c1,) = sim.wait(after=after, timeout=5, callback="C1", formOrderId=order_id)
    assert c1["direction"] == "to_system" and c1["actor"] == "simulator" and c1["meta"]["attempt"] == 1
    assert c1["id"] > after


def test_wait_timeout_is_bounded(sim: SimulatorHandle) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim._call("GET", "/wait", params={"timeout": 61})
    assert refused.value.status == 400


def test_admin_calls_are_not_recorded_as_system_traffic(sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    sim.orders()
    sim.inject_fault("E6", "500")
    sim.clear_faults()
    assert sim.exchanges(after=after) == []


def test_system_traffic_lands_in_the_session_store(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    from verification.recorder.store import SessionStore

    post(eprom, E1, order_body(), headers=auth())
    with SessionStore(sim.settings.store_path) as store:
        recorded = store.exchanges(direction="to_eprom", path_suffix="/api/v2/formorder")
    assert recorded and recorded[-1].actor == "system"
    assert recorded[-1].id == sim.exchanges(endpoint="E1")[-1]["id"]

