"""How the reference ordering system behaves: one frozen settings object, all flags False = correct.

Every behaviour decision of the reference system that a realistic integration could get wrong goes
through :class:`Behaviour`, so a named faulty variant is one flag flip. :data:`VARIANTS` holds the
faulty variants the self-tests and ``eprom-verify selftest`` run the checks against, :data:`CORRECT_DESIGNS`
the correct alternative designs that must pass every check (a failure there is a false alarm); each has a one-line
description of the realistic mistake in :data:`VARIANT_DESCRIPTIONS`, the checks that must catch it in
:data:`VARIANT_CATCHES`, and the further checks it may legitimately fail in :data:`VARIANT_COLLATERAL`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Behaviour", "CORRECT", "VARIANTS", "CORRECT_DESIGNS", "VARIANT_DESCRIPTIONS", "VARIANT_CATCHES", "variant"]


@dataclass(frozen=True)
class Behaviour:
    """Faults (booleans, all False for the correct system) and the knobs of retries and timeouts."""

    # Inbound faults (callbacks C1–C4).
    missing_auth_check: bool = False
    stores_duplicates: bool = False
    falsy_completed: bool = False
    names_only_enums: bool = False
    crashes_on_unknown_fields: bool = False
    stale_channel_enum: bool = False
    stale_error_code_enum: bool = False
    crashes_on_undocumented_status: bool = False
    expired_needs_form_data: bool = False
    rejects_scanned_paper: bool = False
    never_downloads_signed: bool = False
    slow_signed_return: bool = False
    rejects_patient_initiated: bool = False
    racy_dedup: bool = False
    regresses_state_on_stale_c1: bool = False
    creates_unknown_orders: bool = False
    crashes_on_malformed_json: bool = False
    empty_reply_on_redelivery: bool = False
    no_trailing_slash_route: bool = False
    accepts_any_method: bool = False
    leaks_stack_traces: bool = False
    c3_message_shape_only: bool = False
    strict_iso_timestamps: bool = False
    rejects_filled_out_by: bool = False
    stores_preferred_channel: bool = False
    drops_expired: bool = False
    crashes_without_error_code: bool = False
    crashes_on_odd_returns: bool = False
    crashes_on_malformed_privacy: bool = False
    accepts_boolean_enums: bool = False
    leaks_exception_repr: bool = False
    refuses_early_c1: bool = False
    # Correct alternative designs (not faults: each must pass every check).
    one_status_per_order: bool = False
    names_and_integers_only: bool = False
    acknowledges_unknown_orders: bool = False
    plain_error_messages: bool = False
    latest_status_only: bool = False
    # Outbound faults (calls to ePROM).
    rfc_basic_auth: bool = False
    retries_after_read_timeout: bool = False
    key_in_body: bool = False
    text_plain_content_type: bool = False
    metadata_as_object: bool = False
    rule_as_channel_name: bool = False
    booleans_as_strings: bool = False
    expiry_in_past: bool = False
    accepts_h_number: bool = False
    skips_signing_rules: bool = False
    paper_by_default: bool = False
    orders_v1_endpoint: bool = False
    retries_client_errors: bool = False
    zero_id_as_placed: bool = False
    signed_download_key_in_query: bool = False
    sms_key_in_header: bool = False
    letter_as_html: bool = False
    personvern_volven_status: bool = False
    sample_id_in_sms: bool = False
    always_keeps_pha_copy: bool = False
    drops_on_behalf_of: bool = False
    renames_signing_text: bool = False
    personvern_read_for_set: bool = False
    personvern_access_restriction: bool = False
    # Correct alternative designs (not faults): see CORRECT_DESIGNS.
    downloads_signed_in_batch: bool = False
    omits_defaults: bool = False

    # Knobs (the correct values are the defaults).
    e1_read_timeout_s: float = 10.0
    e1_max_retries: int = 2
    e2_timeout_s: float = 5.0
    e2_max_attempts: int = 3
    retry_backoff_s: float = 0.1
    signed_scan_s: float = 6.0  # slow_signed_return: the inline "virus scan" of a signed PDF
    dedup_write_s: float = 0.05  # racy_dedup: the async save between the duplicate check and the insert
    signed_batch_delay_s: float = 60.0  # downloads_signed_in_batch: the nightly batch, well after the run's window

    @property
    def faults(self) -> tuple[str, ...]:
        """Names of the fault flags that are switched on (the correct designs' flags are not faults)."""
        return tuple(name for name, value in vars(self).items()
                     if value is True and name not in CORRECT_DESIGNS and name not in DESIGN_FLAGS)


CORRECT = Behaviour()

VARIANT_DESCRIPTIONS: dict[str, str] = {
    "missing_auth_check": "accepts callbacks whatever apiKey (C1–C3) or Authorization header (C4) they carry",
    "stores_duplicates": "no idempotency: every delivery of the same callback is stored again",
    "falsy_completed": "tests formOrderStatus for truthiness, so Completed (0) reads as missing and C2 is rejected",
    "names_only_enums": "accepts enum names only and rejects integers and numeric strings",
    "crashes_on_unknown_fields": "strict deserialiser: an unknown member in a callback gives HTTP 500",
    "stale_channel_enum": "an old NotificationChannel copy (to DigitalMailbox): Unsecure, PhysicalMailbox rejected",
    "stale_error_code_enum": "its FormOrderStatusErrorCode copy predates SikkerDigitalPostError, which is rejected",
    "crashes_on_undocumented_status": "handler per documented status: PhysicalMailReturned, DigipostDelivered: 500",
    "expired_needs_form_data": "formData is a required member, so a C2 Expired (no answers) is rejected",
    "rejects_scanned_paper": "never enabled paper: a non-zero scannedPaperId is answered with success: false",
    "never_downloads_signed": "acknowledges a signed return but never fetches the signed document (E2)",
    "slow_signed_return": "downloads and virus-scans a signed PDF inline, answering the C2 only seconds later",
    "rejects_patient_initiated": "looks every formOrderId up in its own orders, so a patient-initiated return gets 404",
    "racy_dedup": "checks an in-memory 'already seen' set before an async save: parallel duplicates all stored",
    "regresses_state_on_stale_c1": "last write wins: a C1 after the C2 rewrites the order row, answers included",
    "creates_unknown_orders": "upserts: a callback for an order it never placed creates that order",
    "crashes_on_malformed_json": "trusts the body: invalid JSON or a non-object body raises in the handler (HTTP 500)",
    "empty_reply_on_redelivery": "answers a repeated delivery with an empty 200 (\"already processed: return Ok()\")",
    "no_trailing_slash_route": "routes only the exact documented path: with a trailing slash it answers a redirect",
    "accepts_any_method": "the callback route has no method constraint: a POST or PATCH is processed and stored",
    "leaks_stack_traces": "puts the exception with its traceback in the body of every rejection",
    "c3_message_shape_only": "reads only the example shape of C3: formOrderId + formOrderStatus is rejected",
    "strict_iso_timestamps": "parses timestamp with strptime('%Y-%m-%dT%H:%M:%S.%f') after cutting .NET's 7th digit: "
    "the documented offset form (2019-05-03T00:00:00+02:00), milliseconds with Z and the space separator give 400",
    "rejects_filled_out_by": "its C2 model predates filledOutBy (2025, Helsenorge only) and its strict reader "
    "answers 400 to a return that carries it",
    "stores_preferred_channel": "keeps E1's notificationChannel (only the preferred one, BR-05) as the order's "
    "channel and never updates it from the C1 that reports the channel actually used",
    "rfc_basic_auth": "uses an HTTP library's Basic auth helper: Basic base64(key:) instead of the raw key",
    "retries_slow_orders": "gives up on a slow E1 after 0.5 s and sends it again, so one trigger can place two orders",
    "key_in_body": "half-migrated from v1: sends the API key in the body of v2 calls as well as in the header",
    "text_plain_content_type": "posts the JSON with an HTTP client's default Content-Type text/plain",
    "metadata_as_object": "sends metadata as a raw JSON object instead of JSON.stringify-ing it",
    "rule_as_channel_name": "mixes up two enums: writes the NotificationChannel name with the rule's number "
    "(Basic 0 → \"None\")",
    "booleans_as_strings": "serialises the flags as strings (\"false\") instead of JSON booleans",
    "expiry_in_past": "sign error in the expiry: now minus the validity period instead of plus",
    "accepts_h_number": "validates national ids as 11 digits only, so an H-number goes out to ePROM",
    "skips_signing_rules": "relies on ePROM to validate: signing with NoDistribution or on behalf of someone is sent",
    "paper_by_default": "defaults to BasicOrPaper so nobody is missed, also for forms that are not paper-enabled",
    "orders_v1_endpoint": "never migrated: orders on the retired v1 API (POST api/formorder)",
    "retries_client_errors": "retries every non-2xx answer, so a documented 400 is sent again and again",
    "zero_id_as_placed": "takes any 200 answer as placed, also the all-zero id that means no order",
    "signed_download_key_in_query": "downloads the signed document with ?apiKey=… in the URL and no header",
    "sms_key_in_header": "sends SMS and e-mail like v2 calls: key in the Authorization header, none in the body",
    "letter_as_html": "sends the letter's main document as HTML instead of PDF",
    "personvern_volven_status": "sets a privacy setting with the C4 Volven code (RES) instead of Aktiv/IkkeAktiv",
    "sample_id_in_sms": "left the guide's sample national id (26073941651) in the SMS code path",
    # Receiver faults of issue 10.
    "drops_expired": "acknowledges a C2 Expired but never stores it (only Completed has a handler)",
    "crashes_without_error_code": "reads body['formOrderStatusErrorCode'] unguarded: a C1 in the older shape "
    "(no error code, BR-24) gives HTTP 500",
    "crashes_on_odd_returns": "trusts a C2's shape: formData null or an array, or an event-log entry that is "
    "not an object, raises in the handler (HTTP 500)",
    "crashes_on_malformed_privacy": "takes len() of a C4's nationalId and parses its id as a GUID unguarded: "
    "HTTP 500 on a number or a non-GUID",
    "accepts_boolean_enums": "converts enum members with the language's int conversion, so true reads as 1 "
    "(Expired) and is stored",
    "refuses_early_c1": "looks the order up at once: a C1 that overtakes the E1 answer is refused with 404 "
    "(ePROM does not send it again)",
    "leaks_exception_repr": "answers a refusal with the repr of the exception it caught: KeyError(\"{'name': …}\")",
    # Correct alternative designs (must pass).
    "one_status_per_order": "CORRECT: keeps one current status per order (no history), counting each change; a "
    "repeated or older status changes nothing",
    "names_and_integers_only": "CORRECT: accepts enum names and integers (BR-24) and refuses numeric strings, which "
    "the guide documents only in the E3 response",
    "acknowledges_unknown_orders": "CORRECT: answers {\"success\": true} to a callback for an order it never placed "
    "and stores nothing (the guide does not say to refuse it)",
    "plain_error_messages": "CORRECT: refusals carry a readable message (\"ValidationError: formData is missing\"), "
    "no trace and no exception object",
}

# The correct alternative designs: every check must pass on each (``eprom-verify selftest`` counts a failure
# as a false alarm). The sender side adds its own here (refuses invalid triggers, batch signed download, …).
CORRECT_DESIGNS: dict[str, Behaviour] = {}
# Flags that were faults under an earlier reading and are now parts of a correct design (forwards_invalid_triggers).
DESIGN_FLAGS = frozenset({"skips_signing_rules", "accepts_h_number"})

VARIANTS: dict[str, Behaviour] = {
    "missing_auth_check": Behaviour(missing_auth_check=True),
    "stores_duplicates": Behaviour(stores_duplicates=True),
    "falsy_completed": Behaviour(falsy_completed=True),
    "names_only_enums": Behaviour(names_only_enums=True),
    "crashes_on_unknown_fields": Behaviour(crashes_on_unknown_fields=True),
    **{name: Behaviour(**{name: True}) for name in (
        "stale_channel_enum", "stale_error_code_enum", "crashes_on_undocumented_status", "expired_needs_form_data",
        "rejects_scanned_paper", "never_downloads_signed", "slow_signed_return", "rejects_patient_initiated",
        "racy_dedup", "regresses_state_on_stale_c1", "creates_unknown_orders", "crashes_on_malformed_json",
        "empty_reply_on_redelivery", "no_trailing_slash_route", "accepts_any_method", "leaks_stack_traces",
        "c3_message_shape_only", "strict_iso_timestamps", "rejects_filled_out_by", "stores_preferred_channel",
        "drops_expired", "crashes_without_error_code", "crashes_on_odd_returns", "crashes_on_malformed_privacy",
        "accepts_boolean_enums", "leaks_exception_repr", "refuses_early_c1",
    )},
    "rfc_basic_auth": Behaviour(rfc_basic_auth=True),
    "retries_slow_orders": replace(CORRECT, retries_after_read_timeout=True, e1_read_timeout_s=0.5),
    **{name: Behaviour(**{name: True}) for name in (
        "key_in_body", "text_plain_content_type", "metadata_as_object", "rule_as_channel_name",
        "booleans_as_strings", "expiry_in_past", "accepts_h_number", "skips_signing_rules", "paper_by_default",
        "orders_v1_endpoint", "retries_client_errors", "zero_id_as_placed", "signed_download_key_in_query",
        "sms_key_in_header", "letter_as_html", "personvern_volven_status",
        "sample_id_in_sms",
    )},
}



# The check IDs that must catch each variant (``eprom-verify selftest`` fails when one does not). A variant
# may fail further checks only where VARIANT_COLLATERAL says so: a failure its fault legitimately implies.
VARIANT_CATCHES: dict[str, set[str]] = {
    "missing_auth_check": {"R-AUTH", "R-PVK"},
    "stores_duplicates": {"R-IDEMPOTENT", "R-CONCURRENT"},
    "falsy_completed": {"R-RETURN-COMPLETED", "R-PATIENT-INITIATED", "R-IDEMPOTENT", "R-ORDERING"},
    "names_only_enums": {"R-ENUM-FORMS", "R-MESSAGE-STATUS"},
    "crashes_on_unknown_fields": {"R-FORWARD-COMPAT"},
    "stale_channel_enum": {"R-STATUS-ORDERED"},
    "stale_error_code_enum": {"R-STATUS-ERROR"},
    "crashes_on_undocumented_status": {"R-STATUS-OTHER"},
    "expired_needs_form_data": {"R-RETURN-EXPIRED"},
    "rejects_scanned_paper": {"R-RETURN-PAPER"},
    "never_downloads_signed": {"R-RETURN-SIGNED"},
    "slow_signed_return": {"R-LATENCY"},
    "rejects_patient_initiated": {"R-PATIENT-INITIATED"},
    "racy_dedup": {"R-CONCURRENT"},
    "regresses_state_on_stale_c1": {"R-ORDERING"},
    "creates_unknown_orders": {"R-UNKNOWN-ORDER"},
    "crashes_on_malformed_json": {"R-MALFORMED"},
    "empty_reply_on_redelivery": {"R-RESPONSE-SHAPE", "R-IDEMPOTENT", "R-CONCURRENT"},
    "no_trailing_slash_route": {"R-ROUTES"},
    "accepts_any_method": {"R-ROUTES"},
    "leaks_stack_traces": {"R-NO-LEAK"},
    "c3_message_shape_only": {"R-MESSAGE-STATUS"},
}
VARIANT_COLLATERAL: dict[str, set[str]] = {
    # Completed (0) refused: every check and case that sends or needs a completed form fails with it.
    "falsy_completed": {"R-RETURN-PAPER", "R-RETURN-SIGNED", "R-CONCURRENT", "R-ENUM-FORMS", "R-TIMESTAMPS",
                        "R-FORWARD-COMPAT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
    # The signed document is never downloaded: the round trip's download step fails too.
    "never_downloads_signed": {"S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
    # PhysicalMailbox and Unsecure refused: paper returns, letters on paper, round trips on those channels.
    "stale_channel_enum": {"R-RETURN-PAPER", "R-MESSAGE-STATUS", "S-ROUND-TRIP"},
    # In a parallel burst a C1 may land after the C2: the stale-C1 fault then undoes the answers there too.
    "regresses_state_on_stale_c1": {"R-CONCURRENT"},
    # S-ERROR-HANDLING sends a C1 for the all-zero id of an order ePROM never created: the upsert stores it.
    "creates_unknown_orders": {"S-ERROR-HANDLING"},
    # The E2 download without the header is also what R-RETURN-SIGNED judges.
    "signed_download_key_in_query": {"R-RETURN-SIGNED"},
}


# The fuzz checks (issue 4, part 2): each caught by its own check; a system that refuses every completed
# form, an enum value, or a repeated update also fails the fuzz checks, which send those all the time.
VARIANT_CATCHES |= {"strict_iso_timestamps": {"R-TIMESTAMPS"}, "rejects_filled_out_by": {"R-FORWARD-COMPAT"}}
for _variant, _checks in {
    "stale_channel_enum": {"R-ENUM-FORMS"},
    "stale_error_code_enum": {"R-ENUM-FORMS"},
    "empty_reply_on_redelivery": {"R-ENUM-FORMS", "R-TIMESTAMPS", "R-FORWARD-COMPAT"},
}.items():
    VARIANT_COLLATERAL.setdefault(_variant, set()).update(_checks)


# The system as sender (issue 5): each variant caught by its S-check. Collateral: a variant whose orders or
# downloads fail (ePROM refuses them) also fails the checks of everything that needed them.
for _variant, _checks in {
    "rfc_basic_auth": {"S-AUTH-HEADER"},
    "retries_slow_orders": {"S-NO-DUPLICATE-ORDER"},
    "key_in_body": {"S-AUTH-HEADER"},
    "text_plain_content_type": {"S-CONTENT-TYPE"},
    "metadata_as_object": {"S-ORDER-BODY"},
    "rule_as_channel_name": {"S-ORDER-BODY"},
    "booleans_as_strings": {"S-ORDER-BODY"},
    "expiry_in_past": {"S-ORDER-BODY"},
    "accepts_h_number": {"S-ORDER-BODY"},
    "skips_signing_rules": {"S-ORDER-RULES"},
    "paper_by_default": {"S-ORDER-RULES"},
    "orders_v1_endpoint": {"S-ORDER-SENT"},
    "retries_client_errors": {"S-ERROR-HANDLING"},
    "zero_id_as_placed": {"S-ERROR-HANDLING"},
    "signed_download_key_in_query": {"S-SIGNED-DOWNLOAD", "S-AUTH-HEADER"},
    "sms_key_in_header": {"S-SMS-EMAIL"},
    "letter_as_html": {"S-MESSAGE"},
    "personvern_volven_status": {"S-PERSONVERN"},
    "sample_id_in_sms": {"S-TEST-DATA"},
    "never_downloads_signed": {"S-SIGNED-DOWNLOAD"},
}.items():
    VARIANT_CATCHES.setdefault(_variant, set()).update(_checks)
_NO_ORDERS = {"S-ORDER-SENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"}  # every order is refused by ePROM
for _variant, _checks in {
    "rfc_basic_auth": _NO_ORDERS | {"S-PERSONVERN"},  # the privacy calls carry the same wrong header
    "retries_slow_orders": {"S-ERROR-HANDLING"},  # the slow answer is also S-ERROR-HANDLING's timeout part
    "text_plain_content_type": _NO_ORDERS,
    "metadata_as_object": _NO_ORDERS,  # the guide's E1-6
    "rule_as_channel_name": _NO_ORDERS,
    "accepts_h_number": {"S-TEST-DATA"},  # an H-number is no test person either
    "paper_by_default": _NO_ORDERS,  # E1-5 for the default orders of a non-paper form
    "orders_v1_endpoint": _NO_ORDERS,
    "signed_download_key_in_query": {"S-ROUND-TRIP"},  # the signed document is never stored
    "sms_key_in_header": {"S-AUTH-HEADER"},
}.items():
    VARIANT_COLLATERAL.setdefault(_variant, set()).update(_checks)

# V1.3's simulator part: the stored channel judged against C1 in the S-ROUND-TRIP case that proves it.
VARIANT_CATCHES.setdefault("stores_preferred_channel", set()).add("S-ROUND-TRIP")


CORRECT_DESIGNS |= {name: Behaviour(**{name: True}) for name in (
    "one_status_per_order", "names_and_integers_only", "acknowledges_unknown_orders", "plain_error_messages",
)}

# Receiver faults of issue 10, each caught by the check named; collateral where the fault implies it.
VARIANT_CATCHES |= {
    "drops_expired": {"R-RETURN-EXPIRED"},
    "crashes_without_error_code": {"R-STATUS-ORDERED"},
    "crashes_on_odd_returns": {"R-MALFORMED"},
    "crashes_on_malformed_privacy": {"R-MALFORMED"},
    "accepts_boolean_enums": {"R-MALFORMED"},
    "leaks_exception_repr": {"R-NO-LEAK"},
    "refuses_early_c1": {"R-ORDERING"},
}
# A simulator C1 sent right after E1's answer can still beat the system's own bookkeeping: then it is
# refused too, and what judges that C1 (or needed it stored) fails with it.
VARIANT_COLLATERAL["refuses_early_c1"] = {"R-IDEMPOTENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"}
# R-ORDERING's overtaking C1 keeps E1's answer back (up to 1 s): the fault gives up on it after 0.5 s and
# orders again, which is the fault itself.
VARIANT_COLLATERAL["retries_slow_orders"].add("R-ORDERING")
VARIANT_CATCHES["stores_preferred_channel"].add("R-STATUS-ORDERED")  # V1.3 with the channel probe


# Issue 10 (the system as sender): misses of the checks, each now caught.
VARIANT_DESCRIPTIONS |= {
    "always_keeps_pha_copy": "hard-codes dontStoreCompletedFormInPha: false, whatever the order asked (V2.6)",
    "drops_on_behalf_of": "its order model has no onBehalfOfNationalId: the person the form is about never "
    "reaches ePROM (S-ONBEHALF.3)",
    "renames_signing_text": "sends the signing text as signatureText, a name ePROM does not bind, so it is lost",
    "personvern_read_for_set": "routes every privacy trigger to the read (E6), so a requested change is never made",
    "personvern_access_restriction": "a stale type enum: asks for Tilgangsbegrensning where Reservasjon was asked; ePROM answers 400",
}
VARIANTS |= {name: Behaviour(**{name: True}) for name in (
    "always_keeps_pha_copy", "drops_on_behalf_of", "renames_signing_text", "personvern_read_for_set",
    "personvern_access_restriction",
)}
VARIANT_CATCHES |= {
    "always_keeps_pha_copy": {"S-ORDER-BODY"},
    "drops_on_behalf_of": {"S-ORDER-RULES"},
    "renames_signing_text": {"S-ORDER-RULES"},
    "personvern_read_for_set": {"S-PERSONVERN"},
    "personvern_access_restriction": {"S-PERSONVERN"},
}

# The order as asked (S-ORDER-RULES compares the E1 with the trigger): another rule's name, or "true" for true,
# is not the order the trigger asked for either.
for _variant in ("rule_as_channel_name", "booleans_as_strings"):
    VARIANT_COLLATERAL.setdefault(_variant, set()).add("S-ORDER-RULES")
# ePROM refuses the privacy calls of a text/plain body too, and S-PERSONVERN now judges ePROM's answer.
VARIANT_COLLATERAL["text_plain_content_type"].add("S-PERSONVERN")

# Correct sender designs: forwarding what the trigger asked and handling ePROM's 400, and a batch download.
# The correct system itself is the design that refuses invalid triggers before anything leaves it.
CORRECT_DESIGNS |= {
    "forwards_invalid_triggers": Behaviour(skips_signing_rules=True, accepts_h_number=True),
    "downloads_signed_in_batch": Behaviour(downloads_signed_in_batch=True),
}
VARIANT_DESCRIPTIONS |= {
    "forwards_invalid_triggers": "CORRECT: leaves validation to ePROM: forwards an H-number, signing with "
    "NoDistribution or on behalf of someone, and handles the documented 400 (sent once, the error surfaced)",
    "downloads_signed_in_batch": "CORRECT: downloads signed documents in a nightly batch, not when the C2 arrives "
    "(the guide keeps them 30 days): not verified in the run, never failed",
}

# A system that forwards what it is asked and handles ePROM's 400 is correct (issue 10): no longer variants.
for _name in ("skips_signing_rules", "accepts_h_number"):
    VARIANTS.pop(_name, None)
    VARIANT_DESCRIPTIONS.pop(_name, None)
    VARIANT_CATCHES.pop(_name, None)
    VARIANT_COLLATERAL.pop(_name, None)
# The guide sets no time for the signed download (kept 30 days): within one run, never downloading cannot be
# told from a later batch (downloads_signed_in_batch, correct), so it is no variant a run can catch.
for _table in (VARIANTS, VARIANT_DESCRIPTIONS, VARIANT_CATCHES, VARIANT_COLLATERAL):
    _table.pop("never_downloads_signed", None)
VARIANT_CATCHES["signed_download_key_in_query"].add("R-RETURN-SIGNED")  # R-RETURN-SIGNED judges the E2 header
# ePROM never sends a boolean enum: storing one is against the kit's advice (R-MALFORMED's stored part, a failure
# only with --strict), not the guide, so no run may fail on it and it is no variant a run must catch.
for _table in (VARIANTS, VARIANT_DESCRIPTIONS, VARIANT_CATCHES, VARIANT_COLLATERAL):
    _table.pop("accepts_boolean_enums", None)


# The guide says nothing about a callback for an order the system never placed (issue 10, blind check alt8):
# refusing it, acknowledging it and storing nothing, or storing it to reconcile later are all correct designs;
# "nothing stored" is eprom-verify's advice (R-UNKNOWN-ORDER's stored part), so the upsert is no variant.
for _table in (VARIANTS, VARIANT_DESCRIPTIONS, VARIANT_CATCHES, VARIANT_COLLATERAL):
    _table.pop("creates_unknown_orders", None)
CORRECT_DESIGNS["stores_unknown_orders"] = Behaviour(creates_unknown_orders=True)
# One status per order with no tally of changes (blind check alt1): its status probe counts 1 before and after a
# C2 Expired and answers no "latest", so the Expired's stored part is not verifiable there, never failed.
CORRECT_DESIGNS["latest_status_only"] = Behaviour(latest_status_only=True)
# Optional E1 members at their documented default left out (blind check alt4): absent is the default, the same order.
CORRECT_DESIGNS["omits_defaults"] = Behaviour(omits_defaults=True)
VARIANT_DESCRIPTIONS["omits_defaults"] = (
    "CORRECT: leaves optional E1 members out when they hold the documented default (distributionRule Basic, "
    "mustBeSigned, dontStoreCompletedFormInPha and testMode false) or null")
VARIANT_DESCRIPTIONS["latest_status_only"] = (
    "CORRECT: keeps only the latest status per order, no history and no tally: the status probe answers "
    "{\"count\": 1} once the order has a status, without \"latest\"")
DESIGN_FLAGS |= {"creates_unknown_orders"}
VARIANT_DESCRIPTIONS["stores_unknown_orders"] = (
    "CORRECT: stores a callback for an order it never placed (a stub order, to reconcile later) and answers "
    "{\"success\": true}; the all-zero id is still refused (it is no order)")


def variant(name: str) -> Behaviour:
    """The named faulty variant, a correct design, or ``"correct"`` for the correct system."""
    if name == "correct":
        return CORRECT
    try:
        return VARIANTS[name] if name in VARIANTS else CORRECT_DESIGNS[name]
    except KeyError:
        known = ", ".join(["correct", *VARIANTS, *CORRECT_DESIGNS])
        raise KeyError(f"unknown reference variant {name!r}; known: {known}") from None
