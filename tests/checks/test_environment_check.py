"""V0: only a relay session against ePROM's test or QA environment counts as verified in testmiljø."""

from __future__ import annotations

import pytest

from verification.checks.environment import check_test_environment
from verification.checks.failure import CheckFailure
from verification.config import parse_target


def target(**eprom):
    return parse_target({
        "name": "V0 test", "environment": "test", "api_key": "k-1",
        "eprom": eprom,
        "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder"]},
        "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False, "paper": False}],
        "test_persons": ["26670271527"],
    }, environ={})


def test_relay_against_the_test_environment_passes():
    check_test_environment(target(mode="relay", upstream="https://proms.hemitdev.org/promswebapi",
                                  public_url="https://relay.example.org"))


def test_a_simulator_session_is_not_the_test_environment():
    with pytest.raises(CheckFailure) as failure:
        check_test_environment(target(mode="simulator"))
    assert [d.field for d in failure.value.deviations] == ["eprom.mode", "eprom.upstream"]
