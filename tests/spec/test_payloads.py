"""The lenient readers, quirk by quirk (BR-24, Q04–Q07, Q16, Q18), and the C1/C2 classification (3.2.1)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verification.spec import (
    MISSING,
    ZERO_GUID,
    CallbackReply,
    DistributionRule,
    FilledOutByActType,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    FormReturnCallback,
    InstansEndret,
    NotificationChannel,
    OrderStatusCallback,
    PayloadError,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    SentStatus,
    VolvenStatus,
    classify_promsformorder,
    event,
    form_return_callback,
    is_guid,
    is_zero_guid,
    member,
    message_status_callback,
    order_status_callback,
    payloads,
    personvern_callback,
    read_callback_reply,
    read_external_document_id,
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
    read_personvern_set_response,
    read_personvern_setting,
    read_promsformorder,
    read_residents_response,
    unknown_members,
)

ORDER_ID = "184738d0-3c39-e611-9c2a-34e6d72e03c7"
FORM_ID = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
SETTINGS = settings(max_examples=60, derandomize=True, database=None, deadline=None)


def order(**changes: object) -> dict:
    """A valid E1 body; ``changes`` replace or (with value ``MISSING``) remove members."""
    body = {
        "formId": FORM_ID,
        "nationalId": "26670271527",
        "expiryDate": "2030-01-01T00:00:00.000Z",
        "metadata": json.dumps({"age": 76}),
        "dontStoreCompletedFormInPha": False,
        "distributionRule": "Basic",
        "mustBeSigned": False,
        "signingText": None,
        "physicalAddress": None,
        "testMode": False,
        "onBehalfOfNationalId": None,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not MISSING}


def recase(body: dict, casing) -> dict:
    return {casing(key): value for key, value in body.items()}


# --- errors ---------------------------------------------------------------------------------------


def test_payload_error_carries_field_received_expected() -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(formId=42))
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.field, error.received, error.expected) == ("formId", 42, "a string")
    assert str(error) == "formId: received 42, expected a string"


def test_a_missing_required_member_is_received_as_missing() -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(expiryDate=MISSING))
    assert caught.value.received is MISSING
    assert str(caught.value) == "expiryDate: received <missing>, expected a date-time string (required)"


def test_an_enum_error_becomes_a_payload_error_with_its_path() -> None:
    body = form_return_callback(form_order_id=ORDER_ID, event_log=[event(FormOrderEventType.FormOpened)])
    body["formOrderEventLog"][0]["timestampUtc"] = "soon"
    with pytest.raises(PayloadError, match=r"^formOrderEventLog\[0\]\.timestampUtc: received 'soon'"):
        read_form_return_callback(body)
    with pytest.raises(PayloadError) as caught:
        read_order_status_callback(order_status_callback(form_order_id=ORDER_ID) | {"notificationChannel": 7})
    assert caught.value.field == "notificationChannel"
    assert "Helsenorge (1)" in caught.value.expected


def test_long_received_values_are_shortened_in_the_message_only() -> None:
    huge = "x" * 5000
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(metadata=huge))
    assert caught.value.received == huge
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", "true", b"\xff\xfe", "null"])
def test_a_body_that_is_no_json_object(body) -> None:
    with pytest.raises(PayloadError) as caught:
        read_callback_reply(body)
    assert caught.value.field == "(body)"


# --- casing (Q05) --------------------------------------------------------------------------------


def pascal(key: str) -> str:
    return key[0].upper() + key[1:]


@pytest.mark.parametrize("casing", [str.lower, str.upper, pascal], ids=["lower", "upper", "pascal"])
def test_member_names_in_any_casing(casing) -> None:
    body = order_status_callback(form_order_id=ORDER_ID)
    assert read_order_status_callback(recase(body, casing)) == read_order_status_callback(body)
    request = order(physicalAddress={"fullName": "A", "postalCode": "0150"})
    read = read_form_order_request(recase(request, casing))
    assert read == read_form_order_request(request) and read.extra == {}


def test_documented_casing_wins_and_the_other_is_kept_as_extra() -> None:
    body = order_status_callback(form_order_id=ORDER_ID) | {"FormOrderID": "other"}
    read = read_order_status_callback(body)
    assert read.form_order_id == ORDER_ID and read.extra == {"FormOrderID": "other"}


def test_two_foreign_casings_of_one_name_are_ambiguous() -> None:
    body = {"FormOrderId": ORDER_ID, "FORMORDERID": ORDER_ID, "formOrderStatus": "Ordered"}
    with pytest.raises(PayloadError, match="^formOrderId: "):
        read_order_status_callback(body)


def test_member_looks_up_raw_values_case_insensitively() -> None:
    raw = {"DontStoreCompletedFormInPha": "true"}
    assert member(raw, "dontStoreCompletedFormInPha") == "true"
    assert member(raw, "testMode") is MISSING
    assert member(raw, "testMode", None) is None


# --- E1 ---------------------------------------------------------------------------------------------


def test_e1_request_reads_every_member() -> None:
    read = read_form_order_request(
        order(
            distributionRule=3,
            mustBeSigned=True,
            signingText="Signer",
            physicalAddress={
                "fullName": "Test Testesen",
                "addressLine1": "Testeveien 1",
                "postalCode": "0150",
                "postalPlace": "Oslo",
            },
            onBehalfOfNationalId="26670271527",
            reminderDate=None,
        )
    )
    assert read.form_id == FORM_ID and read.national_id == "26670271527"
    assert read.expiry_date == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert read.metadata == {"age": 76} and read.metadata_as_object is False
    assert read.distribution_rule is DistributionRule.BasicOrPaper
    assert read.must_be_signed is True and read.signing_text == "Signer"
    assert read.physical_address is not None and read.physical_address.postal_code == "0150"
    assert read.on_behalf_of_national_id == "26670271527"
    assert read.reminder_date is None and read.api_key is None and read.extra == {}


def test_e1_optional_members_may_be_absent_and_defaults_are_documented() -> None:
    read = read_form_order_request(
        {"formId": FORM_ID, "nationalId": "26670271527", "expiryDate": "2030-01-01"}
    )
    assert read.distribution_rule is None and read.effective_distribution_rule is DistributionRule.Basic
    assert read.metadata is None and read.test_mode is None and read.physical_address is None


@pytest.mark.parametrize(
    ("sent", "read_as"),
    [(True, True), (False, False), ("true", True), ("False", False), (" TRUE ", True), (None, None)],
)
def test_e1_booleans_read_leniently_and_the_raw_value_is_kept(sent, read_as) -> None:
    read = read_form_order_request(order(dontStoreCompletedFormInPha=sent))
    assert read.dont_store_completed_form_in_pha is read_as
    assert member(read.raw, "dontStoreCompletedFormInPha") == sent  # a check tells "true" from true here


@pytest.mark.parametrize("sent", [1, 0, "yes", "1", [], {}])
def test_e1_non_booleans_are_refused(sent) -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(testMode=sent))
    assert caught.value.field == "testMode"


def test_e1_metadata_as_raw_object_is_read_and_flagged() -> None:
    read = read_form_order_request(order(metadata={"age": 76}))
    assert read.metadata == {"age": 76} and read.metadata_as_object is True


@pytest.mark.parametrize("metadata", ["{age: 76}", "[1, 2]", "76", '"text"', 76, ["a"]])
def test_e1_metadata_must_hold_a_json_object(metadata) -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(metadata=metadata))
    assert caught.value.field == "metadata" and "JSON object" in caught.value.expected


def test_e1_empty_metadata_string_means_none() -> None:
    assert read_form_order_request(order(metadata="  ")).metadata is None


@pytest.mark.parametrize("rule", ["PaperOnly", "paperonly", 5, "5"])
def test_e1_distribution_rule_as_name_or_number(rule) -> None:
    read = read_form_order_request(order(distributionRule=rule))
    assert read.distribution_rule is DistributionRule.PaperOnly


def test_e1_physical_address_keeps_postal_code_a_string() -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(physicalAddress={"postalCode": 150}))
    assert caught.value.field == "physicalAddress.postalCode"


def test_e1_v1_style_key_in_the_body_is_recorded() -> None:
    assert read_form_order_request(order(apiKey="secret")).api_key == "secret"


@pytest.mark.parametrize("required", ["formId", "nationalId", "expiryDate"])
def test_e1_required_members(required: str) -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_order_request(order(**{required: MISSING}))
    assert caught.value.field == required


@pytest.mark.parametrize(
    ("order_id", "created"),
    [
        (ZERO_GUID, False),
        (ZERO_GUID.upper(), False),
        (ZERO_GUID.replace("-", ""), False),
        ("{" + ZERO_GUID + "}", False),
        ("", False),
        (ORDER_ID, True),
    ],
)
def test_e1_response_all_zero_id_means_no_order(order_id: str, created: bool) -> None:
    read = read_form_order_response(
        {
            "id": order_id,
            "singleUseCode": None,
            "loginUrl": "https://x/proms",
            "notificationChannel": "Helsenorge",
            "formId": FORM_ID,
        }
    )
    assert read.created is created
    assert read.notification_channel is NotificationChannel.Helsenorge
    assert read.extra == {"formId": FORM_ID}  # the echoed request (Q23)


def test_e1_response_single_use_code_and_integer_channel() -> None:
    read = read_form_order_response({"Id": ORDER_ID, "SingleUseCode": 123456, "NotificationChannel": 0})
    assert read.single_use_code == "123456" and read.notification_channel is NotificationChannel.None_


def test_guid_helpers() -> None:
    assert is_guid(ORDER_ID) and is_guid(ORDER_ID.upper()) and not is_guid("<pvkId>") and not is_guid(None)
    assert is_zero_guid(ZERO_GUID) and not is_zero_guid(ORDER_ID) and not is_zero_guid("0")


# --- E2 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/ExternalDocument/{ORDER_ID}",
        f"/PromsWebApi/api/externaldocument/{ORDER_ID}/",
        f"https://proms.hemitdev.org/PromsWebApi/api/ExternalDocument/{ORDER_ID}?x=1",
    ],
)
def test_e2_signed_form_id_from_the_path(url: str) -> None:
    assert read_external_document_id(url) == ORDER_ID


@pytest.mark.parametrize("url", [f"/ExternalDocument/{ORDER_ID}", "/api/ExternalDocument/", "/api/formorder"])
def test_e2_other_paths_are_refused(url: str) -> None:
    with pytest.raises(PayloadError):
        read_external_document_id(url)


# --- E3–E8 -------------------------------------------------------------------------------------------


def test_e3_request_and_response() -> None:
    read = read_message_to_citizen_request(
        {
            "nationalId": "26670271527",
            "senderInfo": {"organisationName": "Org", "organisationNr": 987654321},
            "messageInfo": {"title": "T", "description": "D", "merknad": "M"},
            "documentCollection": {"anything": [1]},
            "notificationPriorityList": ["Helsenorge", 2, "4"],
            "paperColorPrint": "false",
        }
    )
    assert read.notification_priority_list == (
        NotificationChannel.Helsenorge,
        NotificationChannel.DigitalMailbox,
        NotificationChannel.PhysicalMailbox,
    )
    assert read.sender_info is not None and read.sender_info.organisation_nr == "987654321"
    assert read.document_collection == {"anything": [1]} and read.paper_color_print is False
    with pytest.raises(PayloadError, match=r"^notificationPriorityList\[1\]: "):
        read_message_to_citizen_request(
            {"nationalId": "x", "notificationPriorityList": ["Helsenorge", "Fax"]}
        )
    assert read_message_to_citizen_response({"notificationChannel": "0"}).sent is False
    sent = read_message_to_citizen_response({"notificationChannel": 1, "messageToCitizenId": ORDER_ID})
    assert sent.sent is True and sent.message_to_citizen_id == ORDER_ID


def test_e6_e7_e8() -> None:
    get = read_personvern_get_request(
        {"nationalId": "26670271527", "type": "reservasjon", "pvkId": "<pvkId>"}
    )
    assert get.type is PersonvernInnstillingType.Reservasjon and get.pvk_id == "<pvkId>"
    with pytest.raises(PayloadError, match="^type: "):
        read_personvern_get_request({"nationalId": "26670271527"})
    put = read_personvern_set_request({"nationalId": "26670271527", "type": 1, "status": "Aktiv"})
    assert put.status is PersonvernInnstillingStatus.Aktiv
    with pytest.raises(PayloadError, match="^status: "):
        read_personvern_set_request({"nationalId": "26670271527", "type": 0})
    assert read_personvern_set_response({"instansEndret": "1"}).instans_endret is InstansEndret.Endret
    setting = read_personvern_setting(
        {"status": "IkkeAktiv", "sequenceNumber": "3", "createdDateTimeOffset": "2025-09-22T10:00:00+02:00"}
    )
    assert setting.status is PersonvernInnstillingStatus.IkkeAktiv and setting.sequence_number == 3
    residents = read_residents_response(
        {
            "pagingReference": 0,
            "type": "Samtykke",
            "personvernInnstillinger": [{"NationalId": "26670271527", "SequenceNumber": 2, "note": "new"}],
        }
    )
    assert residents.personvern_innstillinger[0].national_id == "26670271527"
    assert unknown_members(residents) == {"personvernInnstillinger[0].note": "new"}


# --- C1 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["name", "int", "str-int"])
def test_c1_written_in_every_style_reads_back(style: str) -> None:
    body = order_status_callback(
        form_order_id=ORDER_ID,
        status=FormOrderStatus.Error,
        channel=NotificationChannel.None_,
        error_code=FormOrderStatusErrorCode.PatientUnreachable,
        api_key="key",
        enum_style=style,  # type: ignore[arg-type]
    )
    read = read_order_status_callback(json.dumps(body))
    assert read.form_order_status is FormOrderStatus.Error
    assert read.notification_channel is NotificationChannel.None_
    assert read.form_order_status_error_code is FormOrderStatusErrorCode.PatientUnreachable
    assert read.api_key == "key" and read.extra == {}
    assert read.timestamp == read.timestamp_utc  # the local and the UTC stamp denote one instant


def test_c1_older_payload_without_error_code_and_timestamps() -> None:
    read = read_order_status_callback(
        {"apiKey": "", "formOrderId": ORDER_ID, "notificationChannel": "Helsenorge", "formOrderStatus": "Ordered"}
    )
    assert read.form_order_status_error_code is None and read.timestamp is None and read.timestamp_utc is None


def test_c1_without_api_key_reads_as_none_for_the_receiver_to_judge() -> None:
    assert read_order_status_callback({"formOrderId": ORDER_ID, "formOrderStatus": 2}).api_key is None


# --- C2 ---------------------------------------------------------------------------------------------


FORM_OPENED_AT = datetime(2021, 5, 7, 9, 17, 51, 220000, tzinfo=timezone.utc)


def full_return(**overrides: object) -> dict:
    return form_return_callback(
        form_order_id=ORDER_ID,
        answers={"HealthGeneral": 1, "Comment": "æøå"},
        warnings=[{"fieldName": "Key", "warning": "Value"}],
        event_log=[
            event(FormOrderEventType.FormOpened, at=FORM_OPENED_AT),
            event(FormOrderEventType.QuestionAccessed, question_id="HealthGeneral"),
        ],
        patient_initiated={
            "formId": FORM_ID,
            "nationalId": "26670271527",
            "orderTimestamp": "2023-03-29T10:01:49.857",
            "orderTimestampUTC": "2023-03-29T08:01:49.857Z",
        },
        filled_out_by={"filledOutByActNationalId": "26670271527", "filledOutByActType": "Fullmakt"},
        channel=NotificationChannel.Helsenorge,
        **overrides,  # type: ignore[arg-type]
    )


def test_c2_reads_every_member() -> None:
    read = read_form_return_callback(full_return())
    assert read.form_order_status is FormOrderStatus.Completed
    assert read.form_data == {"HealthGeneral": 1, "Comment": "æøå"} and read.form_data_as_object is False
    assert read.form_data_warnings[0].field_name == "Key"
    assert read.form_order_event_log is not None
    first, second = read.form_order_event_log
    assert first.event_type is FormOrderEventType.FormOpened
    assert first.timestamp_utc == FORM_OPENED_AT
    assert second.question_id == "HealthGeneral"
    values = read.patient_initiated_values
    assert read.is_patient_initiated is True and values is not None
    assert values.order_timestamp == values.order_timestamp_utc
    assert read.filled_out_by is not None and read.filled_out_by.act_type is FilledOutByActType.Fullmakt
    assert read.notification_channel is NotificationChannel.Helsenorge
    assert not read.is_signed and not read.is_paper and read.extra == {}


def test_c2_form_data_as_raw_object_is_read_and_flagged() -> None:
    read = read_form_return_callback(full_return() | {"formData": {"HealthGeneral": 1}})
    assert read.form_data == {"HealthGeneral": 1} and read.form_data_as_object is True


@pytest.mark.parametrize("form_data", ["{'HealthGeneral':1}", "[1]", 3])
def test_c2_form_data_that_is_no_stringified_object(form_data) -> None:
    with pytest.raises(PayloadError) as caught:
        read_form_return_callback(full_return() | {"formData": form_data})
    assert caught.value.field == "formData"


def test_c2_expired_without_form_data_and_older_payload_without_event_log() -> None:
    body = form_return_callback(form_order_id=ORDER_ID, status=FormOrderStatus.Expired)
    read = read_form_return_callback(body)
    assert read.form_order_status is FormOrderStatus.Expired and read.form_data is None
    assert read.form_order_event_log is None and read.patient_initiated_values is None


@pytest.mark.parametrize(
    ("signed", "paper", "is_signed", "is_paper"),
    [
        (ZERO_GUID, ZERO_GUID, False, False),
        (ORDER_ID, ZERO_GUID, True, False),
        (ZERO_GUID, FORM_ID, False, True),
    ],
)
def test_c2_signed_and_paper_helpers(signed, paper, is_signed, is_paper) -> None:
    body = form_return_callback(form_order_id=ORDER_ID, signed_form_id=signed, scanned_paper_id=paper)
    read = read_form_return_callback(body)
    assert (read.is_signed, read.is_paper) == (is_signed, is_paper)


def test_c2_newer_event_and_act_types_stay_strings() -> None:
    body = full_return()
    body["formOrderEventLog"].append({"eventType": "FormPrinted", "timestampUtc": "2024-01-01 10:00:00.000"})
    body["filledOutBy"]["filledOutByActType"] = "Verge"
    read = read_form_return_callback(body)
    assert read.form_order_event_log is not None and read.form_order_event_log[-1].event_type == "FormPrinted"
    assert read.filled_out_by is not None and read.filled_out_by.act_type == "Verge"
    body["formOrderEventLog"][-1]["eventType"] = 3
    with pytest.raises(PayloadError, match=r"^formOrderEventLog\[2\]\.eventType: "):
        read_form_return_callback(body)


def test_c2_unknown_members_nested_and_top_level_form_the_drift_report() -> None:
    body = full_return() | {"newTopLevel": 1}
    body["patientInitiatedValues"]["newNested"] = "x"
    body["formOrderEventLog"][1]["newInEvent"] = True
    read = read_form_return_callback(body)
    assert unknown_members(read) == {
        "newTopLevel": 1,
        "patientInitiatedValues.newNested": "x",
        "formOrderEventLog[1].newInEvent": True,
    }


def test_c2_patient_initiated_values_need_form_and_national_id() -> None:
    body = full_return()
    del body["patientInitiatedValues"]["nationalId"]
    with pytest.raises(PayloadError, match=r"^patientInitiatedValues\.nationalId: received <missing>"):
        read_form_return_callback(body)


# --- C1/C2 classification (3.2.1, Q18) ---------------------------------------------------------------

CLASSIFICATION = [
    ("Completed", "C2"),
    ("completed", "C2"),
    (0, "C2"),
    ("0", "C2"),
    ("Expired", "C2"),
    (1, "C2"),
    ("1", "C2"),
    ("Ordered", "C1"),
    (2, "C1"),
    ("2", "C1"),
    ("ERROR", "C1"),
    (3, "C1"),
    ("PhysicalMailReturned", "C1"),
    (4, "C1"),
    ("4", "C1"),
    ("DigipostDelivered", "C1"),
    (5, "C1"),
    ("5", "C1"),
]


@pytest.mark.parametrize(("status", "kind"), CLASSIFICATION, ids=[f"{s!r}" for s, _ in CLASSIFICATION])
def test_classification_by_status(status, kind: str) -> None:
    body = {"apiKey": "", "formOrderId": ORDER_ID, "formOrderStatus": status}
    assert classify_promsformorder(body) == kind
    expected_type = FormReturnCallback if kind == "C2" else OrderStatusCallback
    assert type(read_promsformorder(body)) is expected_type


def test_status_wins_over_corroborating_members() -> None:
    completed = {"formOrderStatus": 0, "formOrderStatusErrorCode": "None", "timestampUtc": "2024-01-01T00:00:00Z"}
    assert classify_promsformorder({"formOrderId": ORDER_ID, **completed}) == "C2"
    ordered = {"formOrderStatus": "Ordered", "formData": "{}", "signedFormId": ZERO_GUID}
    assert classify_promsformorder({"formOrderId": ORDER_ID, **ordered}) == "C1"


@pytest.mark.parametrize(
    ("members", "kind"),
    [
        ({"formData": "{}"}, "C2"),
        ({"signedFormId": ZERO_GUID, "scannedPaperId": ZERO_GUID}, "C2"),
        ({"isPatientInitiated": True}, "C2"),
        ({"FORMDATAWARNINGS": []}, "C2"),
        ({"formOrderStatusErrorCode": "None"}, "C1"),
        ({"timestampUtc": "2024-01-01T00:00:00Z"}, "C1"),
    ],
)
@pytest.mark.parametrize("status", [MISSING, None, "Bogus", True], ids=["missing", "null", "garbage", "true"])
def test_classification_falls_back_to_corroborating_members(members: dict, kind: str, status) -> None:
    body = {"formOrderId": ORDER_ID, **members}
    if status is not MISSING:
        body["formOrderStatus"] = status
    assert classify_promsformorder(body) == kind


@pytest.mark.parametrize(
    "body",
    [
        {"formOrderId": ORDER_ID},
        {"formOrderId": ORDER_ID, "formData": "{}", "formOrderStatusErrorCode": "None"},
        {"formOrderId": ORDER_ID, "formOrderStatus": "Bogus", "timestamp": "2024-01-01"},
    ],
)
def test_undecidable_bodies_are_refused(body: dict) -> None:
    with pytest.raises(PayloadError) as caught:
        classify_promsformorder(body)
    assert caught.value.field == "formOrderStatus"


def test_classification_reads_text_bodies_case_insensitively() -> None:
    assert classify_promsformorder('{"FormOrderStatus": "0"}') == "C2"
    assert classify_promsformorder(b'{"formorderstatus": 2}') == "C1"


# --- C3 (Q07) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["name", "int", "str-int"])
@pytest.mark.parametrize("shape", ["message", "formorder"])
@pytest.mark.parametrize("status", [SentStatus.Sent, SentStatus.Error])
def test_c3_both_shapes_normalise(style: str, shape: str, status: SentStatus) -> None:
    body = message_status_callback(
        message_to_citizen_id=ORDER_ID,
        sent_status=status,
        shape=shape,  # type: ignore[arg-type]
        enum_style=style,  # type: ignore[arg-type]
    )
    read = read_message_status_callback(body)
    assert (read.message_to_citizen_id, read.sent_status, read.shape) == (ORDER_ID, status, shape)
    assert read.notification_channel is NotificationChannel.Helsenorge and read.extra == {}


def test_c3_mixed_shape_and_the_new_id_winning() -> None:
    read = read_message_status_callback(
        {"messageToCitizenId": ORDER_ID, "formOrderId": FORM_ID, "formOrderStatus": "Ordered"}
    )
    assert read.message_to_citizen_id == ORDER_ID and read.sent_status is SentStatus.Sent
    assert read.shape == "mixed" and read.extra == {"formOrderId": FORM_ID}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sentStatus": "Sent"}, "messageToCitizenId"),
        ({"messageToCitizenId": ORDER_ID}, "sentStatus"),
        ({"formOrderId": ORDER_ID, "formOrderStatus": "Completed"}, "formOrderStatus"),
        ({"messageToCitizenId": ORDER_ID, "sentStatus": "Delivered"}, "sentStatus"),
    ],
)
def test_c3_refusals(body: dict, field: str) -> None:
    with pytest.raises(PayloadError) as caught:
        read_message_status_callback(body)
    assert caught.value.field == field


# --- C4 and the reply ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(VolvenStatus))
def test_c4_volven_statuses(status: VolvenStatus) -> None:
    body = personvern_callback(
        national_id="26670271527", setting_id=FORM_ID, name="Reservasjon", status=status
    )
    read = read_personvern_callback(body)
    assert read.status is status and read.id == FORM_ID and read.name == "Reservasjon"


def test_c4_lenient_and_unknown_codes() -> None:
    lower = read_personvern_callback({"NationalId": "x", "ID": "y", "status": "res"})
    assert lower.status is VolvenStatus.RES
    assert read_personvern_callback({"nationalId": "x", "id": "y", "status": "XRES"}).status == "XRES"
    with pytest.raises(PayloadError, match="^status: "):
        read_personvern_callback({"nationalId": "x", "id": "y", "status": 1})
    with pytest.raises(PayloadError, match="^status: received <missing>"):
        read_personvern_callback({"nationalId": "x", "id": "y"})


@pytest.mark.parametrize(
    ("body", "success"),
    [
        ({"success": True}, True),
        ({"success": False}, False),
        ({"Success": True}, True),
        ({"SUCCESS": False}, False),
        ('{"success" : true}', True),
        (b'{"Success": false}', False),
        ({"success": "true"}, None),
        ({"success": 1}, None),
        ({"success": None}, None),
        ({}, None),
    ],
)
def test_callback_reply(body, success) -> None:
    read = read_callback_reply(body)
    assert isinstance(read, CallbackReply) and read.success is success


# --- robustness: garbage never escapes as anything but PayloadError ---------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
READERS = [
    getattr(payloads, name)
    for name in payloads.__all__
    if name.startswith("read_") and name != "read_external_document_id"  # takes a path, tested above
]
DOCUMENTED_NAMES = sorted(
    {
        "apiKey", "formOrderId", "formOrderStatus", "formData", "notificationChannel", "timestamp", "timestampUtc",
        "formOrderStatusErrorCode", "signedFormId", "scannedPaperId", "formDataWarnings", "formOrderEventLog",
        "isPatientInitiated", "patientInitiatedValues", "filledOutBy", "messageToCitizenId", "sentStatus",
        "nationalId", "id", "name", "status", "type", "success", "formId", "expiryDate", "metadata",
        "physicalAddress", "distributionRule", "notificationPriorityList", "senderInfo", "pagingReference",
        "personvernInnstillinger", "singleUseCode", "sequenceNumber",
    }
)
BODIES = JSON_VALUES | st.dictionaries(st.sampled_from(DOCUMENTED_NAMES), JSON_VALUES, max_size=8)


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.__name__)
@given(body=BODIES)
@settings(max_examples=40, derandomize=True, database=None, deadline=None)
def test_readers_refuse_garbage_only_with_payload_error(reader, body) -> None:
    try:
        reader(body)
    except PayloadError:
        pass


@given(body=st.dictionaries(st.sampled_from(DOCUMENTED_NAMES), JSON_VALUES, max_size=8))
@SETTINGS
def test_classification_answers_or_refuses_with_payload_error(body: dict) -> None:
    try:
        assert classify_promsformorder(body) in ("C1", "C2")
    except PayloadError:
        pass
