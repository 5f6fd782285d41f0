"""V1.3's stored-channel check and the channel probe's reading."""

from __future__ import annotations

import json
from typing import Any

import pytest

from verification.checks.failure import CheckFailure, NotVerifiable
from verification.checks.stored_channel import check_stored_channel
from verification.recorder.store import Exchange
from verification.spec.enums import NotificationChannel
from verification.spec.wire import new_guid, order_status_callback
from verification.system import ProbeAnswer, _read_channel

ORDER_ID = new_guid()


def e1(preferred: Any = "Helsenorge") -> Exchange:
    body = {"id": ORDER_ID, "singleUseCode": None, "loginUrl": None, "notificationChannel": preferred}
    return Exchange(id=1, direction="to_eprom", actor="system", method="POST", url="http://e/api/v2/formorder",
                    status=200, response_body=json.dumps(body))


def c1() -> Exchange:
    body = order_status_callback(form_order_id=ORDER_ID, channel=NotificationChannel.DigitalMailbox, api_key="k")
    return Exchange(id=2, direction="to_system", actor="simulator", method="PUT", url="http://s/api/PromsFormOrder",
                    request_body=json.dumps(body), status=200, response_body='{"success": true}')


def probe_answer(body: str, *, status: int = 200) -> ProbeAnswer:
    return _read_channel(Exchange(id=3, direction="to_system", actor="kit", method="GET", url="http://s/_probe",
                                  status=status, response_body=body))


@pytest.mark.parametrize("stored", ['{"notificationChannel": "DigitalMailbox"}', '{"notificationChannel": 2}',
                                    '{"notificationChannel": "digitalmailbox"}'])
def test_passes_when_the_stored_channel_is_the_one_c1_reported(stored):
    check_stored_channel(e1(), c1(), probe_answer(stored))


def test_fails_when_the_preferred_channel_of_e1_was_kept():
    with pytest.raises(CheckFailure) as failure:
        check_stored_channel(e1(), c1(), probe_answer('{"notificationChannel": "Helsenorge"}'))
    (deviation,) = failure.value.deviations
    assert (deviation.field, deviation.received, deviation.rule) == ("probe.channel", "Helsenorge", "S-ROUND-TRIP.16")
    assert "DigitalMailbox" in deviation.expected and "not E1's preferred Helsenorge" in deviation.expected
    assert failure.value.check_id == "S-ROUND-TRIP" and deviation.exchange_id == 3


@pytest.mark.parametrize(("stored", "received"), [
    ('{"notificationChannel": null}', None),
    ('{"count": 1}', 'probe answer is not {"notificationChannel": …}'),
    ("not json", "probe answer is not JSON"),
])
def test_fails_when_nothing_or_no_readable_channel_was_stored(stored, received):
    with pytest.raises(CheckFailure) as failure:
        check_stored_channel(e1(), c1(), probe_answer(stored))
    assert [d.received for d in failure.value.deviations] == [received]


def test_fails_with_the_scenario_problems_when_no_c1_came():
    with pytest.raises(CheckFailure) as failure:
        check_stored_channel(e1(), None, probe_answer('{"notificationChannel": null}'),
                             problems=["the simulator sent no C1 within 2s"])
    assert [d.field for d in failure.value.deviations] == ["scenario", "C1"]


def test_is_not_verifiable_without_a_channel_probe():
    with pytest.raises(NotVerifiable, match="no channel probe configured"):
        check_stored_channel(e1(), c1(), None)


def test_channel_probe_reading_keeps_the_value_and_reports_http_errors():
    assert probe_answer('{"notificationChannel": "Unsecure"}').value == "Unsecure"
    assert probe_answer('{"notificationChannel": null}').problem == ""
    assert probe_answer('{"error": "unknown order"}', status=404).problem == "probe answered HTTP 404"
