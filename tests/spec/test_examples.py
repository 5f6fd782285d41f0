"""Every strict-JSON example of the documentation reads as the payload its file name says.

Strict JSON = every ``*.json`` (the normalised renderings) and every ``*.seed.txt`` that INDEX.md marks
"yes". Each example's kind is its file name up to the first dot; a kind is either mapped to a reader
(with what the example must read as) or listed out of scope with the reason. A new example whose kind is
in neither table fails :func:`test_every_strict_example_has_a_reader_or_a_reason`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verification.spec import (
    DistributionRule,
    FilledOutByActType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    SentStatus,
    VolvenStatus,
    classify_promsformorder,
    read_callback_reply,
    read_form_order_request,
    read_form_order_response,
    read_form_return_callback,
    read_message_status_callback,
    read_message_to_citizen_request,
    read_message_to_citizen_response,
    read_order_status_callback,
    read_personvern_callback,
    read_personvern_get_request,
    read_personvern_set_request,
    read_physical_address,
    read_pvk_error,
    read_residents_request,
    read_unsecure_email_request,
    read_unsecure_sms_request,
    unknown_members,
)

EXAMPLES = Path(__file__).parents[1] / "spec_examples"
PLACEHOLDER = "..."  # '"...": "..."' stands for the rest of a payload (Q31)


def index_rows() -> dict[str, bool]:
    """Seed file name -> whether INDEX.md marks it strict JSON."""
    rows = re.findall(r"^\| `([^`]+\.seed\.txt)` \| (yes|no) \|", (EXAMPLES / "INDEX.md").read_text(), re.M)
    return {name: strict == "yes" for name, strict in rows}


def strict_examples() -> list[str]:
    seeds = [name for name, strict in index_rows().items() if strict]
    return sorted(seeds + [path.name for path in EXAMPLES.glob("*.json")])


def kind_of(file_name: str) -> str:
    return file_name.split(".", 1)[0]


def load(file_name: str) -> Any:
    return json.loads((EXAMPLES / file_name).read_text(encoding="utf-8"))


# --- what each kind must read as -------------------------------------------------------------------


def order_request(body: dict, name: str) -> None:
    read = read_form_order_request(body)
    assert read.metadata == {"age": 76} and read.metadata_as_object is False
    assert read.distribution_rule is DistributionRule.Basic and read.extra == {}


def physical_address(body: dict, name: str) -> None:
    read = read_physical_address(body)
    assert read.postal_code == "1234" and read.extra == {}


def order_response_no_order(body: dict, name: str) -> None:
    assert read_form_order_response(body).created is False


def order_status(body: dict, name: str) -> None:
    assert classify_promsformorder(body) == "C1"
    read = read_order_status_callback(body)
    assert read.extra == {}
    if "error" in name:
        assert read.form_order_status is FormOrderStatus.Error
        assert read.form_order_status_error_code is FormOrderStatusErrorCode.PatientUnreachable
        assert read.notification_channel is NotificationChannel.None_
    else:
        assert read.form_order_status is FormOrderStatus.Ordered
        assert read.notification_channel is NotificationChannel.Helsenorge
    if read.timestamp is not None:
        assert read.timestamp == read.timestamp_utc


def form_return(body: dict, name: str) -> None:
    assert classify_promsformorder(body) == "C2"
    read = read_form_return_callback(body)
    assert read.form_order_status is FormOrderStatus.Completed and read.form_data is not None
    assert not read.is_signed and not read.is_paper and len(read.form_data_warnings) == 2
    assert (read.form_order_event_log is None) == (".e73a8c5." in name)  # the log came 2021-05-19
    assert (read.filled_out_by is not None) == (".HEAD." in name)  # filledOutBy came 2025-03-18
    if read.filled_out_by is not None:
        assert read.filled_out_by.act_type is FilledOutByActType.Foreldrerepresentasjon
    assert unknown_members(read) == {}


def patient_initiated_fragment(fragment: dict, name: str) -> None:
    """The fragment stands for a whole return: put it into the completed example, drop the placeholder."""
    body = load("formorder-return-completed.json") | fragment
    del body[PLACEHOLDER]
    assert classify_promsformorder(body) == "C2"
    read = read_form_return_callback(body)
    values = read.patient_initiated_values
    assert read.is_patient_initiated is True and values is not None and values.extra == {}
    if values.order_timestamp_utc is not None:
        assert values.order_timestamp == values.order_timestamp_utc


def callback_reply(body: dict, name: str) -> None:
    assert read_callback_reply(body).success is name.startswith("callback-response-success-true")


def message_status(body: dict, name: str) -> None:
    read = read_message_status_callback(body)
    assert read.shape == "message" and read.sent_status is SentStatus.Sent
    assert read.notification_channel is NotificationChannel.Helsenorge


def message_response_not_sent(body: dict, name: str) -> None:
    assert read_message_to_citizen_response(body).sent is False


def message_request(body: dict, name: str) -> None:
    read = read_message_to_citizen_request(body)
    channels = (NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox)
    assert read.notification_priority_list == channels
    assert unknown_members(read) == {}


def sms_request(body: dict, name: str) -> None:
    assert read_unsecure_sms_request(body).extra == {}


def email_request(body: dict, name: str) -> None:
    assert read_unsecure_email_request(body).extra == {}


def personvern_get(body: dict, name: str) -> None:
    assert read_personvern_get_request(body).type is PersonvernInnstillingType.Reservasjon


def personvern_set(body: dict, name: str) -> None:
    assert read_personvern_set_request(body).status is PersonvernInnstillingStatus.Aktiv


def residents_request(body: dict, name: str) -> None:
    assert read_residents_request(body).paging_reference == 0


def personvern_callback(body: dict, name: str) -> None:
    assert read_personvern_callback(body).status is VolvenStatus.RES


def pvk_error(body: dict, name: str) -> None:
    assert read_pvk_error(body).extra == {}


READS_AS: dict[str, Callable[[Any, str], None]] = {
    "formorder-v2-request": order_request,
    "formorder-v1-request": order_request,  # retired v1 (E9): a subset of the v2 body
    "formorder-v2-physicaladdress": physical_address,
    "formorder-response-no-order": order_response_no_order,
    "formorder-status-ordered": order_status,
    "formorder-status-error": order_status,
    "formorder-return-completed": form_return,
    "formorder-return-patientinitiated-fragment": patient_initiated_fragment,
    "callback-response-success-true": callback_reply,
    "callback-response-success-false": callback_reply,
    "messagetocitizen-status-sent": message_status,
    "messagetocitizen-response-not-sent": message_response_not_sent,
    "messagetocitizen-v2-request-csharp": message_request,
    "unsecuremessage-sms-request": sms_request,
    "unsecuremessage-email-request": email_request,
    "personvern-get-request": personvern_get,
    "personvern-set-request": personvern_set,
    "personvern-get-residents-request": residents_request,
    "personvern-callback": personvern_callback,
    "personvern-pvk-error-shape": pvk_error,
}

OUT_OF_SCOPE: dict[str, str] = {
    "auth-header-v2": "a header map, not a body: S-AUTH-HEADER judges headers",
    "externaldocument-request-header": "a header map, not a body; E2 is read from its path",
    "skjemautfyller-formorders-list-response": "adjacent form-filler API (Appendix A.1)",
    "skjemautfyller-metadata-response": "adjacent form-filler API (Appendix A.1), with a '...' placeholder",
    "skjemautfyller-deliver-request": "adjacent form-filler API (Appendix A.1), with a '...' placeholder",
    "eprox-metadata-relevant-date": "adjacent ePROX (Appendix A.2): content inside metadata, not a payload",
    "eprox-metadata-relevant-date-no-new-order": "adjacent ePROX (Appendix A.2): content inside metadata",
    "eprox-metadata-no-new-order": "adjacent ePROX (Appendix A.2): content inside metadata",
    "eprox-metadata-force-new-order": "adjacent ePROX (Appendix A.2): content inside metadata",
}


def test_the_examples_are_there() -> None:
    assert len(strict_examples()) > 30, f"examples not found under {EXAMPLES}"


def test_every_seed_is_indexed_and_every_rendering_has_its_seed() -> None:
    indexed = index_rows()
    assert {path.name for path in EXAMPLES.glob("*.seed.txt")} == set(indexed)
    for rendering in EXAMPLES.glob("*.json"):
        seed = rendering.name.removesuffix(".json") + ".seed.txt"
        assert indexed.get(seed) is False, f"{rendering.name}: a rendering exists only for a non-strict seed"


def test_every_strict_example_has_a_reader_or_a_reason() -> None:
    unmapped = sorted({kind_of(name) for name in strict_examples()} - set(READS_AS) - set(OUT_OF_SCOPE))
    assert not unmapped, f"example kinds with neither a reader nor a reason: {unmapped}"
    assert not set(READS_AS) & set(OUT_OF_SCOPE)


def test_no_mapping_is_stale() -> None:
    kinds = {kind_of(name) for name in strict_examples()}
    assert not (set(READS_AS) | set(OUT_OF_SCOPE)) - kinds


IN_SCOPE = [name for name in strict_examples() if kind_of(name) in READS_AS]


@pytest.mark.parametrize("file_name", IN_SCOPE)
def test_example_reads_as_its_kind(file_name: str) -> None:
    READS_AS[kind_of(file_name)](load(file_name), file_name)


@pytest.mark.parametrize("file_name", [name for name in strict_examples() if kind_of(name) in OUT_OF_SCOPE])
def test_out_of_scope_examples_are_still_strict_json(file_name: str) -> None:
    load(file_name)
