"""How the reference ordering system behaves: one frozen settings object, all flags False = correct.

Every behaviour decision of the reference system that a realistic integration could get wrong goes
through :class:`Behaviour`, so a named variant is one flag flip. Each variant, faulty or correct, is one
:class:`Variant` record in :data:`VARIANTS`: its name, the realistic mistake (or design) it stands for, its
behaviour, and what ``eprom-verify selftest`` expects of it: the checks that must catch it and the further
checks its fault may legitimately trip (collateral, with why), or, for a correct alternative design, that
it passes every check (a failure there is a false alarm).

A new variant is one record (``faulty(...)`` or ``correct_design(...)``). A fault in what the system sends
to ePROM is data in the record (:attr:`Behaviour.edits`); any other fault is a flag here and the flag's
behaviour in the reference system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Behaviour", "CORRECT", "Variant", "VARIANTS", "faulty_variants", "correct_designs", "variant"]


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
    crashes_on_unknown_order: bool = False
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
    stores_zero_id_order: bool = False
    stores_refused_order: bool = False
    eprom_base_without_prefix: bool = False
    keeps_failed_download: bool = False
    # Correct alternative designs (not faults): their records below must pass.
    downloads_signed_in_batch: bool = False
    omits_defaults: bool = False
    # Outbound faults as data: ("<endpoint>.<member>", template) edits of every body the system sends to that
    # endpoint: the member becomes template.format_map(body), or is left out when template is None. A fault in
    # what the system sends is then its variant record alone, with no flag or code in the reference system.
    edits: tuple[tuple[str, str | None], ...] = ()

    # Knobs (the correct values are the defaults).
    e1_read_timeout_s: float = 10.0
    e1_max_retries: int = 2
    e2_timeout_s: float = 5.0
    e2_max_attempts: int = 3
    retry_backoff_s: float = 0.1
    signed_scan_s: float = 6.0  # slow_signed_return: the inline "virus scan" of a signed PDF
    dedup_write_s: float = 0.05  # racy_dedup: the async save between the duplicate check and the insert
    signed_batch_delay_s: float = 60.0  # downloads_signed_in_batch: the nightly batch, well after the run's window

    def __post_init__(self) -> None:  # from JSON (the child process) the edits arrive as lists
        object.__setattr__(self, "edits", tuple((target, template) for target, template in self.edits))

    def edited(self, endpoint: str | None, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` as this system sends it to ``endpoint`` (E1…E8), after :attr:`edits`."""
        for target, template in self.edits:
            where, _, name = target.partition(".")
            if where == endpoint:
                rest = {member: value for member, value in body.items() if member != name}
                body = rest if template is None else {**rest, name: template.format_map(body)}
        return body

    @property
    def faults(self) -> tuple[str, ...]:
        """Names of the fault flags that are switched on (a flag of a correct design is no fault)."""
        design_flags = {name for record in VARIANTS.values() if record.must_pass
                        for name, value in vars(record.behaviour).items() if value is True}
        return tuple(name for name, value in vars(self).items() if value is True and name not in design_flags) + \
            ((f"edits {', '.join(target for target, _ in self.edits)}",) if self.edits else ())  # one fault


CORRECT = Behaviour()


@dataclass(frozen=True)
class Variant:
    """One reference-system variant and what selftest expects of it."""

    name: str
    description: str  # the realistic mistake, or the correct design
    behaviour: Behaviour
    catches: frozenset[str] = frozenset()  # checks that must fail on it (empty: a correct design, must pass)
    collateral: frozenset[str] = frozenset()  # further checks its fault may fail
    why: str = ""  # why the collateral follows from the fault
    # Caught by the kit's own advice (a SHOULD, beyond the guide): its session runs with --strict, where
    # advice fails; without --strict such a system passes, and that is the point of advice.
    strict: bool = False

    @property
    def must_pass(self) -> bool:
        return not self.catches


def faulty(name: str, description: str, behaviour: Behaviour, *, catches: set[str], collateral: set[str] = frozenset(),
           why: str = "", strict: bool = False) -> Variant:
    """A faulty variant: ``catches`` must all fail on it; of the rest, only ``collateral`` may."""
    if not catches or (collateral and not why) or set(catches) & set(collateral):
        raise ValueError(f"{name}: a faulty variant names the checks that catch it, and apart, why any collateral")
    return Variant(name, description, behaviour, frozenset(catches), frozenset(collateral), why, strict)


def correct_design(name: str, description: str, behaviour: Behaviour) -> Variant:
    """A correct alternative design: every check must pass on it."""
    return Variant(name, description, behaviour)


VARIANTS: dict[str, Variant] = {record.name: record for record in (
    correct_design("correct", "the correct reference system", CORRECT),
    faulty(
        "missing_auth_check",
        "accepts callbacks whatever apiKey (C1–C3) or Authorization header (C4) they carry",
        Behaviour(missing_auth_check=True),
        catches={"R-AUTH", "R-PVK"},
    ),
    faulty(
        "stores_duplicates",
        "no idempotency: every delivery of the same callback is stored again",
        Behaviour(stores_duplicates=True),
        catches={"R-CONCURRENT", "R-IDEMPOTENT"},
    ),
    faulty(
        "falsy_completed",
        "tests formOrderStatus for truthiness, so Completed (0) reads as missing and C2 is rejected",
        Behaviour(falsy_completed=True),
        catches={"R-IDEMPOTENT", "R-ORDERING", "R-PATIENT-INITIATED", "R-RETURN-COMPLETED"},
        collateral={"R-CONCURRENT", "R-ENUM-FORMS", "R-FORWARD-COMPAT", "R-RETURN-PAPER", "R-RETURN-SIGNED",
            "R-TIMESTAMPS", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="Completed (0) refused: every check and case that sends or needs a completed form fails with it",
    ),
    faulty(
        "names_only_enums",
        "accepts enum names only and rejects integers and numeric strings",
        Behaviour(names_only_enums=True),
        catches={"R-ENUM-FORMS", "R-MESSAGE-STATUS"},
    ),
    faulty(
        "crashes_on_unknown_fields",
        "strict deserialiser: an unknown member in a callback gives HTTP 500",
        Behaviour(crashes_on_unknown_fields=True),
        catches={"R-FORWARD-COMPAT"},
    ),
    faulty(
        "stale_channel_enum",
        "an old NotificationChannel copy (to DigitalMailbox): Unsecure, PhysicalMailbox rejected",
        Behaviour(stale_channel_enum=True),
        catches={"R-STATUS-ORDERED"},
        collateral={"R-ENUM-FORMS", "R-MESSAGE-STATUS", "R-RETURN-PAPER", "S-ROUND-TRIP"},
        why="PhysicalMailbox and Unsecure refused: paper returns, letters on paper, round trips on those channels, "
            "and the fuzz checks, which send those values all the time",
    ),
    faulty(
        "stale_error_code_enum",
        "its FormOrderStatusErrorCode copy predates SikkerDigitalPostError, which is rejected",
        Behaviour(stale_error_code_enum=True),
        catches={"R-STATUS-ERROR"},
        collateral={"R-ENUM-FORMS"},
        why="the fuzz checks send the refused error code all the time",
    ),
    faulty(
        "crashes_on_undocumented_status",
        "handler per documented status: PhysicalMailReturned, DigipostDelivered: 500",
        Behaviour(crashes_on_undocumented_status=True),
        catches={"R-STATUS-OTHER"},
    ),
    faulty(
        "expired_needs_form_data",
        "formData is a required member, so a C2 Expired (no answers) is rejected",
        Behaviour(expired_needs_form_data=True),
        catches={"R-RETURN-EXPIRED"},
    ),
    faulty(
        "rejects_scanned_paper",
        "never enabled paper: a non-zero scannedPaperId is answered with success: false",
        Behaviour(rejects_scanned_paper=True),
        catches={"R-RETURN-PAPER"},
    ),
    faulty(
        "slow_signed_return",
        "downloads and virus-scans a signed PDF inline, answering the C2 only seconds later",
        Behaviour(slow_signed_return=True),
        catches={"R-LATENCY"},
    ),
    faulty(
        "rejects_patient_initiated",
        "looks every formOrderId up in its own orders, so a patient-initiated return gets 404",
        Behaviour(rejects_patient_initiated=True),
        catches={"R-PATIENT-INITIATED"},
    ),
    faulty(
        "racy_dedup",
        "checks an in-memory 'already seen' set before an async save: parallel duplicates all stored",
        Behaviour(racy_dedup=True),
        catches={"R-CONCURRENT"},
    ),
    faulty(
        "regresses_state_on_stale_c1",
        "last write wins: a C1 after the C2 rewrites the order row, answers included",
        Behaviour(regresses_state_on_stale_c1=True),
        catches={"R-ORDERING"},
        collateral={"R-CONCURRENT"},
        why="in a parallel burst a C1 may land after the C2: the stale C1 then undoes the answers there too",
    ),
    faulty(
        "crashes_on_malformed_json",
        "trusts the body: invalid JSON or a non-object body raises in the handler (HTTP 500)",
        Behaviour(crashes_on_malformed_json=True),
        catches={"R-MALFORMED"},
    ),
    faulty(
        "empty_reply_on_redelivery",
        "answers a repeated delivery with an empty 200 (\"already processed: return Ok()\")",
        Behaviour(empty_reply_on_redelivery=True),
        # R-RETURN-SIGNED delivers the signed C2 again once its document was downloaded: the empty reply shows.
        catches={"R-CONCURRENT", "R-IDEMPOTENT", "R-RESPONSE-SHAPE", "R-RETURN-SIGNED"},
        collateral={"R-ENUM-FORMS", "R-FORWARD-COMPAT", "R-TIMESTAMPS"},
        why="the fuzz checks repeat updates all the time",
    ),
    faulty(
        "no_trailing_slash_route",
        "routes only the exact documented path: with a trailing slash it answers a redirect",
        Behaviour(no_trailing_slash_route=True),
        catches={"R-ROUTES"},
    ),
    faulty(
        "accepts_any_method",
        "the callback route has no method constraint: a POST or PATCH is processed and stored",
        Behaviour(accepts_any_method=True),
        catches={"R-ROUTES"},
        strict=True,  # a SHOULD of the kit (no guide sentence on it)
    ),
    faulty(
        "leaks_stack_traces",
        "puts the exception with its traceback in the body of every rejection",
        Behaviour(leaks_stack_traces=True),
        catches={"R-NO-LEAK"},
        strict=True,  # a SHOULD of the kit (no guide sentence on it)
    ),
    faulty(
        "c3_message_shape_only",
        "reads only the example shape of C3: formOrderId + formOrderStatus is rejected",
        Behaviour(c3_message_shape_only=True),
        catches={"R-MESSAGE-STATUS"},
    ),
    faulty(
        "strict_iso_timestamps",
        "parses timestamp with strptime('%Y-%m-%dT%H:%M:%S.%f') after cutting .NET's 7th digit: the documented "
        "offset form (2019-05-03T00:00:00+02:00), milliseconds with Z and the space separator give 400",
        Behaviour(strict_iso_timestamps=True),
        catches={"R-TIMESTAMPS"},
    ),
    faulty(
        "rejects_filled_out_by",
        "its C2 model predates filledOutBy (2025, Helsenorge only) and its strict reader answers 400 to a return "
        "that carries it",
        Behaviour(rejects_filled_out_by=True),
        catches={"R-FORWARD-COMPAT"},
    ),
    faulty(
        "stores_preferred_channel",
        "keeps E1's notificationChannel (only the preferred one, BR-05) as the order's channel and never updates "
        "it from the C1 that reports the channel actually used",
        Behaviour(stores_preferred_channel=True),
        catches={"R-STATUS-ORDERED", "S-ROUND-TRIP"},
    ),
    faulty(
        "drops_expired",
        "acknowledges a C2 Expired but never stores it (only Completed has a handler)",
        Behaviour(drops_expired=True),
        catches={"R-RETURN-EXPIRED"},
    ),
    faulty(
        "crashes_without_error_code",
        "reads body['formOrderStatusErrorCode'] unguarded: a C1 in the older shape (no error code, BR-24) gives "
        "HTTP 500",
        Behaviour(crashes_without_error_code=True),
        catches={"R-STATUS-ORDERED"},
    ),
    faulty(
        "crashes_on_odd_returns",
        "trusts a C2's shape: formData null or an array, or an event-log entry that is not an object, raises in "
        "the handler (HTTP 500)",
        Behaviour(crashes_on_odd_returns=True),
        catches={"R-MALFORMED"},
    ),
    faulty(
        "crashes_on_malformed_privacy",
        "takes len() of a C4's nationalId and parses its id as a GUID unguarded: HTTP 500 on a number or a "
        "non-GUID",
        Behaviour(crashes_on_malformed_privacy=True),
        catches={"R-MALFORMED"},
    ),
    faulty(
        "leaks_exception_repr",
        "answers a refusal with the repr of the exception it caught: KeyError(\"{'name': …}\")",
        Behaviour(leaks_exception_repr=True),
        catches={"R-NO-LEAK"},
        strict=True,  # a SHOULD of the kit (no guide sentence on it)
    ),
    faulty(
        "refuses_early_c1",
        "looks the order up at once: a C1 that overtakes the E1 answer is refused with 404 (ePROM does not send "
        "it again)",
        Behaviour(refuses_early_c1=True),
        catches={"R-ORDERING"},
        collateral={"R-IDEMPOTENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="a simulator C1 sent right after E1's answer can still beat the system's bookkeeping: then it is refused "
            "too",
    ),
    faulty(
        "crashes_on_unknown_order",
        "reads the order row it looked up unguarded (orders[formOrderId].status): a C1 or C2 for an order it never "
        "placed, not patient-initiated, raises in the handler (HTTP 500)",
        Behaviour(crashes_on_unknown_order=True),
        catches={"R-UNKNOWN-ORDER"},
    ),
    faulty(
        "rfc_basic_auth",
        "uses an HTTP library's Basic auth helper: Basic base64(key:) instead of the raw key",
        Behaviour(rfc_basic_auth=True),
        catches={"S-AUTH-HEADER"},
        collateral={"S-ORDER-SENT", "S-PERSONVERN", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="ePROM refuses every order (no orders, no round trip, no signed download); the privacy calls carry the "
            "same wrong header",
    ),
    faulty(
        "retries_slow_orders",
        "gives up on a slow E1 after 0.3 s and sends it again, so one trigger can place two orders",
        Behaviour(retries_after_read_timeout=True, e1_read_timeout_s=0.3),
        catches={"S-NO-DUPLICATE-ORDER"},
        collateral={"R-ORDERING", "S-ERROR-HANDLING"},
        why="the slow answer is also S-ERROR-HANDLING's timeout part; R-ORDERING's overtaking C1 holds E1's answer "
            "back, so the fault orders again",
    ),
    faulty(
        "key_in_body",
        "half-migrated from v1: sends the API key in the body of v2 calls as well as in the header",
        Behaviour(key_in_body=True),
        catches={"S-AUTH-HEADER"},
    ),
    faulty(
        "text_plain_content_type",
        "posts the JSON with an HTTP client's default Content-Type text/plain",
        Behaviour(text_plain_content_type=True),
        catches={"S-CONTENT-TYPE"},
        collateral={"S-ORDER-SENT", "S-PERSONVERN", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="ePROM refuses every order and every privacy call with a text/plain body",
    ),
    faulty(
        "metadata_as_object",
        "sends metadata as a raw JSON object instead of JSON.stringify-ing it",
        Behaviour(metadata_as_object=True),
        catches={"S-ORDER-BODY"},
        collateral={"S-ORDER-SENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="ePROM refuses every order (E1-6)",
    ),
    faulty(
        "rule_as_channel_name",
        "mixes up two enums: writes the NotificationChannel name with the rule's number (Basic 0 → \"None\")",
        Behaviour(rule_as_channel_name=True),
        catches={"S-ORDER-BODY"},
        collateral={"S-ORDER-RULES", "S-ORDER-SENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="ePROM refuses every order; another rule's name is not the order the trigger asked for either",
    ),
    faulty(
        "booleans_as_strings",
        "serialises the flags as strings (\"false\") instead of JSON booleans",
        Behaviour(booleans_as_strings=True),
        catches={"S-ORDER-BODY"},
        collateral={"S-ORDER-RULES"},
        why="\"true\" for true is not the order the trigger asked for either",
    ),
    faulty(
        "expiry_in_past",
        "sign error in the expiry: now minus the validity period instead of plus",
        Behaviour(expiry_in_past=True),
        catches={"S-ORDER-BODY"},
    ),
    faulty(
        "paper_by_default",
        "defaults to BasicOrPaper so nobody is missed, also for forms that are not paper-enabled",
        Behaviour(paper_by_default=True),
        catches={"S-ORDER-RULES"},
        collateral={"S-ORDER-SENT", "S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="E1-5 for the default orders of a non-paper form: ePROM refuses every order",
    ),
    faulty(
        "orders_v1_endpoint",
        "never migrated: orders on the retired v1 API (POST api/formorder)",
        Behaviour(orders_v1_endpoint=True),
        catches={"S-ORDER-SENT"},
        collateral={"S-ROUND-TRIP", "S-SIGNED-DOWNLOAD"},
        why="no order reaches the v2 API",
    ),
    faulty(
        "retries_client_errors",
        "retries every non-2xx answer, so a documented 400 is sent again and again",
        Behaviour(retries_client_errors=True),
        catches={"S-ERROR-HANDLING"},
    ),
    faulty(
        "zero_id_as_placed",
        "takes any 200 answer as placed, also the all-zero id that means no order",
        Behaviour(zero_id_as_placed=True),
        catches={"S-ERROR-HANDLING"},
    ),
    faulty(
        "signed_download_key_in_query",
        "downloads the signed document with ?apiKey=… in the URL and no header",
        Behaviour(signed_download_key_in_query=True),
        catches={"R-RETURN-SIGNED", "S-AUTH-HEADER", "S-SIGNED-DOWNLOAD"},
        collateral={"S-ROUND-TRIP"},
        why="the signed document is never stored, so the round trip fails too",
    ),
    faulty(
        "sms_key_in_header",
        "sends SMS and e-mail like v2 calls: key in the Authorization header, none in the body",
        Behaviour(sms_key_in_header=True),
        catches={"S-SMS-EMAIL"},
        collateral={"S-AUTH-HEADER"},
        why="the key in the header of an SMS is also S-AUTH-HEADER's finding",
    ),
    faulty(
        "keeps_failed_download",
        "takes whatever the E2 answers as the signed document (no status check): a 503 page is stored as the PDF, "
        "and the real document is never downloaded",
        Behaviour(keeps_failed_download=True),
        catches={"R-RETURN-SIGNED"},
    ),
    faulty(
        "letter_as_html",
        "sends the letter's main document as HTML instead of PDF",
        Behaviour(letter_as_html=True),
        catches={"S-MESSAGE"},
    ),
    faulty(
        "personvern_volven_status",
        "sets a privacy setting with the C4 Volven code (RES) instead of Aktiv/IkkeAktiv",
        Behaviour(personvern_volven_status=True),
        catches={"S-PERSONVERN"},
    ),
    faulty(
        "sample_id_in_sms",
        "left the guide's sample national id (26073941651) in the SMS code path",
        Behaviour(sample_id_in_sms=True),
        catches={"S-TEST-DATA"},
    ),
    faulty(
        "sms_names_the_patient",
        "personalises SMS and e-mail with the patient's national id (\"Til 26…: Du har en ny melding\"), where "
        "only non-sensitive information may go",
        Behaviour(edits=(("E4.smsText", "Til {nationalId}: {smsText}"),
                         ("E5.emailText", "Til {nationalId}: {emailText}"))),
        catches={"S-NONSENSITIVE"},
    ),
    faulty(
        "always_keeps_pha_copy",
        "hard-codes dontStoreCompletedFormInPha: false, whatever the order asked (V2.6)",
        Behaviour(always_keeps_pha_copy=True),
        catches={"S-ORDER-BODY"},
    ),
    faulty(
        "drops_on_behalf_of",
        "its order model has no onBehalfOfNationalId: the person the form is about never reaches ePROM "
        "(S-ONBEHALF.3)",
        Behaviour(drops_on_behalf_of=True),
        catches={"S-ORDER-RULES"},
    ),
    faulty(
        "renames_signing_text",
        "sends the signing text as signatureText, a name ePROM does not bind, so it is lost",
        Behaviour(renames_signing_text=True),
        catches={"S-ORDER-RULES"},
    ),
    faulty(
        "personvern_read_for_set",
        "routes every privacy trigger to the read (E6), so a requested change is never made",
        Behaviour(personvern_read_for_set=True),
        catches={"S-PERSONVERN"},
    ),
    faulty(
        "personvern_access_restriction",
        "a stale type enum: asks for Tilgangsbegrensning where Reservasjon was asked; ePROM answers 400",
        Behaviour(personvern_access_restriction=True),
        catches={"S-PERSONVERN"},
    ),
    correct_design(
        "one_status_per_order",
        "keeps one current status per order (no history), counting each change; a repeated or older status "
        "changes nothing",
        Behaviour(one_status_per_order=True),
    ),
    correct_design(
        "names_and_integers_only",
        "accepts enum names and integers (BR-24) and refuses numeric strings, which the guide documents only in "
        "the E3 response",
        Behaviour(names_and_integers_only=True),
    ),
    correct_design(
        "acknowledges_unknown_orders",
        "answers {\"success\": true} to a callback for an order it never placed and stores nothing (the guide does "
        "not say to refuse it)",
        Behaviour(acknowledges_unknown_orders=True),
    ),
    correct_design(
        "plain_error_messages",
        "refusals carry a readable message (\"ValidationError: formData is missing\"), no trace and no exception "
        "object",
        Behaviour(plain_error_messages=True),
    ),
    faulty(
        "stores_zero_id_order",
        "stores the order under the all-zero id ePROM answered for an unknown person; only its callback handler "
        "knows that id is no order (a C1 for it is refused)",
        Behaviour(stores_zero_id_order=True),
        catches={"S-ERROR-HANDLING"},
    ),
    faulty(
        "stores_refused_order",
        "forwards invalid triggers, then reads the order id from ePROM's 400 like any answer: .NET's default "
        "Guid.Empty, under which the refused order is stored (the trigger still says 502)",
        Behaviour(skips_signing_rules=True, accepts_h_number=True, stores_refused_order=True),
        catches={"S-ORDER-BODY", "S-ORDER-RULES", "S-ERROR-HANDLING"},
    ),
    faulty(
        "eprom_base_without_prefix",
        "configured with the ePROM host only (http://host), not its base URL http://host/promswebapi, so every "
        "call lands outside the API",
        Behaviour(eprom_base_without_prefix=True),
        catches={"S-ORDER-SENT"},
        collateral={"S-ROUND-TRIP", "S-SIGNED-DOWNLOAD", "S-PERSONVERN"},
        why="every call lands outside the API: no order is placed and no privacy call answered",
    ),
    # The guide says nothing about a callback for an order the system never placed (blind check alt8): refusing
    # it, acknowledging it and storing nothing, or storing it to reconcile later are all correct designs.
    correct_design(
        "stores_unknown_orders",
        "stores a callback for an order it never placed (a stub order, to reconcile later) and answers "
        "{\"success\": true}; the all-zero id is still refused (it is no order)",
        Behaviour(creates_unknown_orders=True),
    ),
    # One status per order with no tally of changes (blind check alt1): its status probe answers no "latest" and
    # counts 1 once the order has any status. R-RETURN-EXPIRED sends the Expired ahead of the order's C1, so the
    # count moves 0 → 1 here as in a history (an Expired after the C1 would leave it at 1, stored or not).
    correct_design(
        "latest_status_only",
        "keeps only the latest status per order, no history and no tally: the status probe answers "
        "{\"count\": 1} once the order has a status, without \"latest\"",
        Behaviour(latest_status_only=True),
    ),
    faulty(
        "drops_expired_latest_only",
        "keeps only the latest status (count-only status probe, no \"latest\") and acknowledges a C2 Expired "
        "without storing it",
        Behaviour(latest_status_only=True, drops_expired=True),
        catches={"R-RETURN-EXPIRED"},
    ),
    correct_design(
        "omits_defaults",
        "leaves optional E1 members out when they hold the documented default (distributionRule Basic, "
        "mustBeSigned, dontStoreCompletedFormInPha and testMode false) or null: absent is the default",
        Behaviour(omits_defaults=True),
    ),
    correct_design(
        "forwards_invalid_triggers",
        "leaves validation to ePROM: forwards an H-number, signing with NoDistribution or on behalf of someone, "
        "and handles the documented 400 (sent once, the error surfaced)",
        Behaviour(accepts_h_number=True, skips_signing_rules=True),
    ),
    correct_design(
        "downloads_signed_in_batch",
        "downloads signed documents in a nightly batch, not when the C2 arrives (the guide keeps them 30 days): "
        "not verified in the run, never failed",
        Behaviour(downloads_signed_in_batch=True),
    ),
)}


def faulty_variants() -> dict[str, Variant]:
    return {name: record for name, record in VARIANTS.items() if not record.must_pass}


def correct_designs() -> dict[str, Variant]:
    """The correct system and its alternative designs (``correct`` first)."""
    return {name: record for name, record in VARIANTS.items() if record.must_pass}


def variant(name: str) -> Behaviour:
    """The behaviour of a named variant: faulty, a correct design, or ``"correct"`` for the correct system."""
    try:
        return VARIANTS[name].behaviour
    except KeyError:
        raise KeyError(f"unknown reference variant {name!r}; known: {', '.join(VARIANTS)}") from None
