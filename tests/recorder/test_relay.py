"""The recording relay on loopback: system → relay → simulator (as ePROM) → relay → system.

A relay session is judged like the equivalent simulator-mode session; it survives a restart; callbacks
for orders it did not place are foreign and never judged; ``judge`` writes its verdicts as evidence;
safety rules refuse a production upstream.
"""

from __future__ import annotations

import httpx
import pytest
from relay_support import (
    KEY,
    place_signed_order,
    relay_loop,
    return_signed_form,
    send_messages,
    simulator_topology,
    statuses,
    write_target,
)

from verification.config import parse_target
from verification.scenarios.recorded import foreign_callbacks, judge_recorded
from verification.recorder.relay import RelaySettings, bind, run_relay
from verification.commands.relay import relay_command, start_session
from verification.recorder.store import SessionStore
from verification.spec.enums import FormOrderStatus, NotificationChannel
from verification.spec.wire import new_guid, order_status_callback

SENDER_CHECKS = ("S-ORDER-SENT", "S-AUTH-HEADER", "S-CONTENT-TYPE", "S-ORDER-BODY", "S-ORDER-RULES",
                 "S-NO-DUPLICATE-ORDER", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD", "S-MESSAGE", "S-SMS-EMAIL",
                 "S-PERSONVERN", "S-TEST-DATA")


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """The correct reference system and the simulator, wired through the relay's two ports."""
    with relay_loop(tmp_path_factory.mktemp("loop")) as wired:
        yield wired


def full_session(topology) -> None:
    return_signed_form(topology, place_signed_order(topology))
    send_messages(topology)


def judged_alike(relayed_session, folder, behaviour) -> dict[str, str]:
    """Run the same session through the relay and in simulator mode; both judged; return the verdicts."""
    with relayed_session as relayed:
        full_session(relayed)
        through_relay = statuses(relayed.store_path, relayed.target)
    folder.mkdir()
    with simulator_topology(folder, behaviour=behaviour) as direct:
        full_session(direct)
        simulated = statuses(direct.store_path, direct.target)
    assert through_relay == simulated
    return through_relay


def test_a_relay_session_is_judged_like_the_simulator_session(loop, tmp_path):
    verdicts = judged_alike(loop.relay(), tmp_path / "sim", "correct")
    assert {verdicts[check] for check in SENDER_CHECKS} == {"passed"}
    assert verdicts["S-ERROR-HANDLING"] == "not_verifiable"  # no fault was injected


def test_a_faulty_variant_is_judged_alike_through_the_relay(tmp_path):
    (tmp_path / "relay").mkdir()
    with relay_loop(tmp_path / "relay", behaviour="key_in_body") as faulty:
        verdicts = judged_alike(faulty.relay(), tmp_path / "sim", "key_in_body")
    assert verdicts["S-AUTH-HEADER"] == "failed"


def test_events_not_recorded_yet_are_waiting_not_failed(loop):
    with loop.relay() as topology:
        with SessionStore(topology.store_path) as store:
            nothing_yet = {v.check_id: v.status for v in judge_recorded(store, topology.target)}
        order_id = place_signed_order(topology)
        with SessionStore(topology.store_path) as store:
            ordered = {v.check_id: v for v in judge_recorded(store, topology.target)}
    assert nothing_yet["S-ORDER-SENT"] == nothing_yet["S-ROUND-TRIP"] == nothing_yet["S-MESSAGE"] == "waiting"
    assert ordered["S-ORDER-SENT"].status == "passed"
    assert ordered["S-ROUND-TRIP"].status == "waiting"
    assert f"no C2 yet for order {order_id}" in ordered["S-ROUND-TRIP"].reason
    assert ordered["S-SIGNED-DOWNLOAD"].status == "waiting"


def test_every_exchange_is_recorded_both_ways_by_the_relay(loop):
    with loop.relay() as topology:
        order_id = place_signed_order(topology)
        with SessionStore(topology.store_path) as store:
            recorded = store.exchanges()
    e1, c1 = recorded
    assert (e1.direction, e1.actor, e1.meta["endpoint"], e1.meta["formOrderId"]) == (
        "to_eprom", "relay", "E1", order_id)
    assert e1.request_headers["authorization"] == f"Basic {KEY}" and e1.url.startswith(loop.simulator.base_url)
    assert (c1.direction, c1.actor, c1.meta["callback"], c1.meta["formOrderId"]) == (
        "to_system", "relay", "C1", order_id)
    assert c1.url.startswith(loop.reference.base_url) and c1.response_body == '{"success":true}'


def test_the_session_survives_a_restart_of_the_relay(loop, tmp_path):
    session_dir, store_path = tmp_path / "session", tmp_path / "session" / "session.sqlite"
    with loop.relay(store_path) as topology:
        start_session(topology.target, tmp_path / "target.yaml", session_dir=session_dir).close()
        order_id = place_signed_order(topology)
    # the relay process ended; the system and ePROM went on; the relay starts again on the same session
    with loop.relay(store_path) as restarted:
        again = start_session(restarted.target, tmp_path / "target.yaml", session_dir=session_dir)
        return_signed_form(restarted, order_id)
        verdicts = statuses(store_path, restarted.target)
    starts = again.store.info()["relay_starts"]
    again.close()
    assert verdicts["S-ROUND-TRIP"] == verdicts["S-SIGNED-DOWNLOAD"] == "passed"
    assert len(starts) == 2


def test_callbacks_for_orders_the_session_did_not_place_are_foreign(loop):
    with loop.relay() as topology:
        return_signed_form(topology, place_signed_order(topology))
        before = statuses(topology.store_path, topology.target)
        stranger = new_guid()  # placed by another system sharing the test person, or in an earlier session
        body = order_status_callback(form_order_id=stranger, status=FormOrderStatus.Ordered,
                                     channel=NotificationChannel.Helsenorge, api_key=KEY)
        reply = httpx.put(f"{topology.relay.callback_url}/api/PromsFormOrder", json=body, timeout=10)
        initiated = topology.simulator.initiate(topology.target.forms[0].id, topology.target.test_persons[0],
                                                sign=True)
        topology.wait_download(initiated["sent"]["signedFormId"])  # a patient-initiated return is the system's
        after = statuses(topology.store_path, topology.target)
        with SessionStore(topology.store_path) as store:
            foreign = foreign_callbacks(store)
    assert reply.status_code == 404  # the system rejects it; that is not held against it here
    assert [ex.meta["formOrderId"] for ex in foreign] == [stranger]  # the patient-initiated C2 is not foreign
    assert after == before


def test_judge_writes_the_relay_verdicts_as_evidence(loop, tmp_path):
    from verification.evidence.bundle import load_outcomes
    from verification.commands.evidence import judge_command

    session_dir = tmp_path / "session"
    with loop.relay(session_dir / "session.sqlite") as topology:
        target_file = session_dir / "target.yaml"  # the relay noted where the target file is
        start_session(topology.target, target_file, session_dir=session_dir).close()
        place_signed_order(topology)
        lines: list[str] = []
        code = judge_command(session_dir, say=lines.append, warn=lines.append)
    outcomes = {o.nodeid: o for o in load_outcomes(session_dir)[0]}
    assert code == 0, lines
    assert outcomes["recorded::S-ORDER-SENT"].outcome == "passed"
    waiting = outcomes["recorded::S-ROUND-TRIP"]
    assert (waiting.outcome, waiting.kind) == ("skipped", "waiting")
    assert (session_dir / "evidence" / "evidence.json").is_file()


def relay_target(tmp_path, environment="test", **eprom):
    """A relay target; an ``eprom`` member given as None is left out."""
    section = {"mode": "relay", "upstream": "https://proms.hemitdev.org/promswebapi",
               "public_url": "https://relay.example.org", **eprom}
    data = {"name": "t", "environment": environment, "api_key": KEY,
            "eprom": {key: value for key, value in section.items() if value is not None},
            "bestillersystem": {"callback_base_url": "http://127.0.0.1:18081", "capabilities": ["formorder"]},
            "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                       "paper": False}],
            "test_persons": ["26670271527"]}
    return parse_target(data)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"upstream": "https://pasientrapportering.nhn.no/webapi"}, "production"),
    ({"environment": "production"}, "production"),
    ({"public_url": None}, "public_url"),
    ({"mode": "simulator"}, "eprom.mode: relay"),
])
def test_the_relay_refuses_production_and_incomplete_targets(tmp_path, capsys, changes, reason):
    target = relay_target(tmp_path, **changes)
    assert relay_command(target, tmp_path / "t.yaml", report_root=tmp_path) == 4
    assert reason in capsys.readouterr().err
    assert not list(tmp_path.glob("*/session.sqlite"))  # refused before anything was opened


def test_run_in_relay_mode_points_to_relay_and_judge(tmp_path, capsys):
    from verification.runner import run_session

    target = relay_target(tmp_path)
    assert run_session(target, tmp_path / "t.yaml", report_root=tmp_path) == 4
    assert "eprom-verify relay" in capsys.readouterr().err


def test_public_url_is_validated_and_gives_the_callback_face_its_address(tmp_path):
    from verification.config import TargetError

    loopback = relay_target(tmp_path, public_url="http://127.0.0.1:18099", listen="127.0.0.1:18090")
    assert (loopback.eprom.callback_listen.host, loopback.eprom.callback_listen.port) == ("127.0.0.1", 18099)
    public = relay_target(tmp_path, listen="127.0.0.1:18090")
    assert public.eprom.callback_listen.port == 18091
    with pytest.raises(TargetError, match="public_url"):
        relay_target(tmp_path, public_url="http://relay.example.org")
    with pytest.raises(TargetError, match="public_url"):
        relay_target(tmp_path, public_url="https://relay.example.org/api/PromsFormOrder")


def test_the_relay_answers_502_when_the_target_is_unreachable_and_records_it(tmp_path):
    dead = bind("127.0.0.1", 0)
    dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()
    target = write_target(tmp_path / "t.yaml", system_url=dead_url, upstream=dead_url + "/promswebapi",
                          public_url="http://127.0.0.1:9")
    settings = RelaySettings.from_target(target, store_path=str(tmp_path / "session.sqlite"))
    with run_relay(settings) as relay:
        answer = httpx.post(f"{relay.eprom_url}/api/v2/formorder", json={}, timeout=10)
        recorded = relay.store.exchanges()
    assert answer.status_code == 502 and "relay" in answer.json()["error"]
    assert recorded[0].error and recorded[0].status is None


def test_the_relay_command_records_and_a_restart_goes_on_in_the_same_session(loop, tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys

    target_file = tmp_path / "target.yaml"
    write_target(target_file, system_url=loop.reference.base_url, upstream=loop.simulator.api_base_url,
                 public_url="http://127.0.0.1:0")
    session_dir = tmp_path / "session"
    order = {"formId": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "nationalId": "26670271527",
             "expiryDate": "2099-01-01T00:00:00Z"}
    for _ in range(2):
        command = [sys.executable, "-m", "verification.cli", "relay", str(target_file), "--session", str(session_dir)]
        relay = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert "recording into" in relay.stdout.readline()  # bounded: the relay prints once it listens
            eprom_url = re.search(r"http://\S+", relay.stdout.readline()).group(0)  # the ePROM face
            answer = httpx.post(f"{eprom_url}/promswebapi/api/v2/formorder", json=order,
                                headers={"Authorization": f"Basic {KEY}"}, timeout=10)
        finally:
            relay.send_signal(signal.SIGINT)
            relay.wait(timeout=10)
        assert answer.status_code == 200
    with SessionStore(session_dir / "session.sqlite") as store:
        recorded, starts = store.exchanges(direction="to_eprom"), store.info()["relay_starts"]
    assert len(recorded) == 2 and len(starts) == 2 and relay.returncode == 0
