"""S-checks: the ordering system as sender, judged from what it sent to ePROM (simulator or relay).

Each check is a plain function over recorded exchanges that raises :class:`CheckFailure` listing every
deviation, or :class:`NotVerifiable` when there is nothing it could judge. The E1 body rules
(S-ORDER-BODY) are in :mod:`.sender_body`, the fault scenarios (S-ERROR-HANDLING) in :mod:`.sender_errors`,
letters, SMS/e-mail and privacy settings (S-MESSAGE, S-SMS-EMAIL, S-PERSONVERN) in :mod:`.sender_messages`.

No deviation ever quotes the API key: a wrong Authorization header is described by its shape.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..recorder.store import Exchange
from ..spec.enums import PAPER_RULES, DistributionRule
from ..spec.national_id import classify, looks_like_national_id
from ..spec.payloads import PayloadError, is_zero_guid, read_form_order_request, read_form_order_response
from ..spec.requirements import owner_of
from .failure import Deviations, NotVerifiable
from .outbound import (
    KEY_IN_BODY,
    answer_text,
    answered_2xx,
    endpoint_of,
    header,
    json_members,
    outbound,
    under_eprom_prefix,
)
from .round_trip import acknowledged
from .sender_trigger import describe_trigger, trigger_ok, trigger_reached

__all__ = [
    "check_trigger",
    "created_order_id",
    "authorization_problem",
    "check_order_sent",
    "check_auth_header",
    "check_content_type",
    "check_no_duplicate_order",
    "check_order_rules",
    "check_signed_download",
    "check_test_data",
    "national_ids_sent",
]

_JSON_TYPES = ("application/json", "text/json")


# -- triggers --------------------------------------------------------------------------------------


TRIGGER_CONTRACT = ("the trigger carried out (eprom-verify's trigger contract, README: HTTP 2xx or exit 0 for a "
                    "valid request; the guide says nothing about triggers)")


def check_trigger(trigger: Exchange, *, requirement: str, part: str = "the trigger is carried out") -> None:
    """The kit's trigger for a valid request was taken. One that never reached the system (transport error,
    timeout) is not verifiable; a refusal or a crash is a failed check saying what was sent and what came
    back, against the kit's trigger contract (``requirement``, a CONTRACT entry; not a rule of the guide)."""
    check_id = owner_of(requirement)
    if not trigger_reached(trigger):
        raise NotVerifiable(check_id, f"the trigger never reached the system: {describe_trigger(trigger)}")
    found = Deviations(check_id, part)
    found.check(requirement, trigger_ok(trigger), "trigger", describe_trigger(trigger), TRIGGER_CONTRACT,
                exchange_id=trigger.id)
    found.raise_if_any()


# -- S-ORDER-SENT ----------------------------------------------------------------------------------


def created_order_id(e1: Exchange) -> str | None:
    """The order id ePROM answered an E1 with, or ``None`` (no 2xx, no id, or the all-zero id)."""
    if not answered_2xx(e1):
        return None
    try:
        answer = read_form_order_response(e1.response_body)
    except PayloadError:
        return None
    return None if is_zero_guid(answer.id) else answer.id.lower()


def check_order_sent(trigger: Exchange | None, e1: Sequence[Exchange], *, check_id: str = "S-ORDER-SENT") -> None:
    """The trigger was taken, exactly one E1 followed, and ePROM answered it 2xx with an order id."""
    found = Deviations(check_id)
    if trigger is not None and not trigger_reached(trigger):
        raise NotVerifiable(check_id, f"the trigger never reached the system: {describe_trigger(trigger)}")
    if trigger is not None and not found.check("S-ORDER-SENT.1", trigger_ok(trigger), "trigger",
                                               describe_trigger(trigger), TRIGGER_CONTRACT, exchange_id=trigger.id):
        if not e1:  # nothing followed the refused trigger: that is the finding, not a missing order
            found.raise_if_any()
    if not e1:
        found.check("S-ORDER-SENT.2", False, "E1 requests", 0, "exactly 1 E1 request after the trigger")
        found.raise_if_any()
    found.check("S-ORDER-SENT.3", len(e1) == 1, "E1 requests for one trigger", len(e1), "exactly 1",
                exchange_id=e1[-1].id)
    first = e1[0]
    # Refused because the base URL lacks ePROM's prefix: say so (only for the simulator's records: a relay
    # forwards either form, and an accepted request is judged on its answer alone).
    found.check("S-ORDER-SENT.7", answered_2xx(first) or first.actor == "relay" or under_eprom_prefix(first),
                "E1 path", first.path, "/promswebapi/… or /webapi/…: the system's ePROM base URL lacks the prefix",
                exchange_id=first.id)
    found.check("S-ORDER-SENT.4", answered_2xx(first), "E1 response", answer_text(first),
                "2xx: the order reaches ePROM without an error", exchange_id=first.id)
    if answered_2xx(first):
        found.check("S-ORDER-SENT.5", created_order_id(first) is not None, "E1 response id",
                    first.response_body[:200], "a non-zero order id", exchange_id=first.id)
    found.raise_if_any()


# -- S-AUTH-HEADER ---------------------------------------------------------------------------------


def _rfc7617(credential: str) -> str | None:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if ":" in decoded else None


def authorization_problem(value: str | None, api_key: str) -> str | None:
    """Why ``value`` is not ``Basic <raw key>`` (described, never quoted), or ``None`` when it is."""
    if value is None:
        return "no Authorization header"
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "basic":
        return f"scheme {scheme[:20]!r} instead of 'Basic'"
    if credential == api_key:
        return None
    if credential.strip() == api_key:
        return "the key padded with whitespace"
    decoded = _rfc7617(credential.strip())
    if decoded is not None and api_key in decoded.split(":"):
        return "RFC 7617 'Basic base64(user:password)' wrapping the key; ePROM wants the raw key"
    if not credential:
        return "'Basic' with an empty key"
    return "a key that is not the system's API key"


def _key_in_url(exchange: Exchange, api_key: str) -> str | None:
    parts = urlsplit(exchange.url)
    if any(name.lower() in ("apikey", "api_key", "key") for name, _ in parse_qsl(parts.query)):
        return "an apiKey query parameter"
    if api_key and api_key in unquote(exchange.url):
        return "the key in the URL"
    return None


def _key_in_body(exchange: Exchange, api_key: str) -> str | None:
    body = exchange.json_request()
    for path, value in json_members(body):
        if path.rsplit(".", 1)[-1].lower() == "apikey":
            return f"member {path}"
        if api_key and value == api_key:
            return f"the key as the value of {path}"
    if body is None and api_key and api_key in exchange.request_body:
        return "the key in the body"
    return None


def _body_key_problem(exchange: Exchange, api_key: str) -> str | None:
    body = exchange.json_request()
    if not isinstance(body, dict):
        return "no JSON body to carry apiKey"
    keys = [key for key in body if key.lower() == "apikey"]
    if not keys:
        return "no apiKey member in the body"
    if body[keys[0]] != api_key:
        return "apiKey is not the system's API key" if body[keys[0]] else "apiKey is empty"
    return None


def check_auth_header(exchanges: Iterable[Exchange], api_key: str, *, check_id: str = "S-AUTH-HEADER") -> None:
    """``Authorization: Basic <raw key>`` on every v2 call, no key in the body or the URL; SMS and
    e-mail (E4/E5) carry the key in the body member ``apiKey`` instead (1.4, BR-01, Q12, Q13)."""
    calls = outbound(exchanges)
    if not calls:
        raise NotVerifiable(check_id, "the system sent nothing to ePROM in this session")
    found = Deviations(check_id)
    for exchange in calls:
        endpoint = endpoint_of(exchange) or exchange.path
        if endpoint in KEY_IN_BODY:
            problem = _body_key_problem(exchange, api_key)
            found.check("S-AUTH-HEADER.1", problem is None, f"{endpoint} body apiKey", problem,
                        "apiKey = the system's key (1.4)", exchange_id=exchange.id)
        else:
            problem = authorization_problem(header(exchange, "authorization"), api_key)
            found.check("S-AUTH-HEADER.2", problem is None, f"{endpoint} Authorization", problem,
                        "'Basic <raw key>' (no base64)", exchange_id=exchange.id)
            in_body = _key_in_body(exchange, api_key)
            found.check("S-AUTH-HEADER.3", in_body is None, f"{endpoint} body", in_body,
                        "no API key in the body of a v2 call", exchange_id=exchange.id)
        in_url = _key_in_url(exchange, api_key)
        found.check("S-AUTH-HEADER.4", in_url is None, f"{endpoint} URL", in_url, "no API key in the URL",
                    exchange_id=exchange.id)
    found.raise_if_any()


# -- S-CONTENT-TYPE --------------------------------------------------------------------------------


def _is_json_type(content_type: str | None) -> bool:
    main = (content_type or "").split(";")[0].strip().lower()
    return main in _JSON_TYPES or main.endswith("+json")


def check_content_type(exchanges: Iterable[Exchange], *, check_id: str = "S-CONTENT-TYPE") -> None:
    """Every outbound request with a body sends JSON, labelled with a JSON content type (1.5)."""
    with_body = [ex for ex in outbound(exchanges) if ex.request_body or ex.method.upper() in ("POST", "PUT")]
    if not with_body:
        raise NotVerifiable(check_id, "the system sent no request with a body to ePROM in this session")
    found = Deviations(check_id)
    for exchange in with_body:
        endpoint = endpoint_of(exchange) or exchange.path
        content_type = header(exchange, "content-type")
        found.check("S-CONTENT-TYPE.1", _is_json_type(content_type), f"{endpoint} Content-Type", content_type,
                    "application/json (e.g. 'application/json; charset=utf-8')", exchange_id=exchange.id)
        found.check("S-CONTENT-TYPE.2", exchange.json_request() is not None, f"{endpoint} body",
                    exchange.request_body[:120], "a JSON document", exchange_id=exchange.id)
    found.raise_if_any()


# -- S-NO-DUPLICATE-ORDER --------------------------------------------------------------------------


def check_no_duplicate_order(e1: Sequence[Exchange], *, check_id: str = "S-NO-DUPLICATE-ORDER") -> None:
    """One trigger, one order: at most one of the E1 requests it caused created an order in ePROM
    (a retry after a 5xx is fine; a retry after a slow answer that did create the order is not)."""
    if not e1:
        raise NotVerifiable(check_id, "no E1 request followed the trigger")
    created = [ex for ex in e1 if created_order_id(ex) is not None]
    found = Deviations(check_id)
    found.check("S-NO-DUPLICATE-ORDER.1", len(created) <= 1, "orders created for one trigger", len(created),
                "at most 1 (never send an E1 again once one may have been taken)",
                exchange_id=created[-1].id if created else None)
    found.raise_if_any()


# -- S-ORDER-RULES ---------------------------------------------------------------------------------


def _paper_forms(forms: Iterable[Any]) -> set[str]:
    return {form.id.lower() for form in forms if form.paper}


def check_order_rules(
    e1: Iterable[Exchange],
    forms: Iterable[Any],
    *,
    trigger: Exchange | None = None,
    check_id: str = "S-ORDER-RULES",
) -> None:
    """Never ``mustBeSigned`` with ``NoDistribution`` (5.5, E1-3) or with ``onBehalfOfNationalId`` (5.6,
    E1-4); paper rules only for forms the target declares paper-enabled (BR-06, E1-5). For a trigger that
    asked for a forbidden combination itself, see :func:`.sender_trigger.check_refused_or_handled`."""
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    if not orders:
        after = f" after the trigger ({describe_trigger(trigger)})" if trigger is not None else ""
        raise NotVerifiable(check_id, f"no E1 request was recorded{after}")
    paper_forms = _paper_forms(forms)
    found = Deviations(check_id)
    for exchange in orders:
        try:
            order = read_form_order_request(exchange.request_body)
        except PayloadError:
            continue  # an unreadable body is S-ORDER-BODY's finding
        rule = order.distribution_rule or DistributionRule.Basic
        if order.must_be_signed:
            found.check("S-ORDER-RULES.1", rule != DistributionRule.NoDistribution,
                        "E1 mustBeSigned with distributionRule", "NoDistribution",
                        "signing never with NoDistribution (E1-3)", exchange_id=exchange.id)
            found.check("S-ORDER-RULES.2", not order.on_behalf_of_national_id,
                        "E1 mustBeSigned with onBehalfOfNationalId", "both given",
                        "signing never on behalf of someone (E1-4)", exchange_id=exchange.id)
        if rule in PAPER_RULES:
            found.check("S-ORDER-RULES.3", order.form_id.lower() in paper_forms, "E1 distributionRule", rule.name,
                        f"a paper rule only for a form the target declares paper: true (form {order.form_id})",
                        exchange_id=exchange.id)
    found.raise_if_any()


# -- S-SIGNED-DOWNLOAD -----------------------------------------------------------------------------


def check_signed_download(
    signed_form_id: str | None,
    e2: Sequence[Exchange],
    api_key: str,
    *,
    c2: Exchange | None = None,
    window_s: float | None = None,
    check_id: str = "S-SIGNED-DOWNLOAD",
) -> None:
    """After a signed return (C2 with a non-zero ``signedFormId``), the system fetches the document with
    E2 and ``Authorization: Basic <raw key>``, and downloads it once (BR-13, S-SIGN.3). The guide sets no
    time for the download (the document is kept at least 30 days): none within ``window_s``
    (``budgets.signed_download_s``) is not verified in this run, never a failure."""
    if not signed_form_id or is_zero_guid(signed_form_id):
        raise NotVerifiable(check_id, "no signed return (C2 with a non-zero signedFormId) was delivered")
    found = Deviations(check_id)
    if c2 is not None:
        found.check("S-SIGNED-DOWNLOAD.1", acknowledged(c2), "C2 reply", answer_text(c2),
                    'HTTP 2xx with {"success": true}', exchange_id=c2.id)
    wanted = [ex for ex in e2 if endpoint_of(ex) == "E2" and signed_form_id.lower() in ex.path.lower()]
    if not wanted:
        found.raise_if_any()
        within = f" within {window_s:g} s (budgets.signed_download_s)" if window_s is not None else ""
        raise NotVerifiable(check_id, f"no download of the signed document{within}; a system that downloads "
                            "later (e.g. in a batch) is not verified in this run: the guide sets no time for it")
    for exchange in wanted:
        problem = authorization_problem(header(exchange, "authorization"), api_key)
        found.check("S-SIGNED-DOWNLOAD.2", problem is None, "E2 Authorization", problem, "'Basic <raw key>'",
                    exchange_id=exchange.id)
    downloaded = [ex for ex in wanted if answered_2xx(ex)]
    found.check("S-SIGNED-DOWNLOAD.3", len(downloaded) == 1, "successful E2 downloads", len(downloaded), "exactly 1",
                exchange_id=(downloaded or wanted)[-1].id)
    found.raise_if_any()


# -- S-TEST-DATA -----------------------------------------------------------------------------------


def national_ids_sent(exchange: Exchange) -> list[tuple[str, str]]:
    """(where, id) of every national id in a request body: the id members and any 11-digit value with
    valid check digits elsewhere."""
    found: list[tuple[str, str]] = []
    for path, value in json_members(exchange.json_request()):
        name = path.rsplit(".", 1)[-1].lower()
        if not isinstance(value, str):
            continue
        if name in ("nationalid", "onbehalfofnationalid") or looks_like_national_id(value):
            found.append((path, value))
    return found


def _masked(national_id: str) -> str:
    return national_id[:6] + "*" * max(len(national_id) - 6, 0)


def check_test_data(
    exchanges: Iterable[Exchange], test_persons: Iterable[str], *, kit_supplied: Iterable[str] = (),
    check_id: str = "S-TEST-DATA",
) -> None:
    """Every national id the system sends is a configured test person or in a synthetic range (Normen:
    no real person's data in a test environment). An id the kit itself put into a trigger
    (``kit_supplied``, e.g. the H-number it asks the system to refuse) is the kit's data, not the system's."""
    persons = set(test_persons) | set(kit_supplied)
    calls = [ex for ex in outbound(exchanges) if national_ids_sent(ex)]
    if not calls:
        raise NotVerifiable(check_id, "the system sent no national id to ePROM in this session")
    found = Deviations(check_id, severity="critical")
    for exchange in calls:
        endpoint = endpoint_of(exchange) or exchange.path
        for where, national_id in national_ids_sent(exchange):
            allowed = national_id in persons or classify(national_id).synthetic is not None
            found.check("S-TEST-DATA.1", allowed, f"{endpoint} {where}", _masked(national_id),
                        "a configured test person or a synthetic id (Tenor +80, SyntPop +65)", exchange_id=exchange.id)
    found.raise_if_any()


# -- passive forms, for sessions the relay recorded (no trigger to correlate with) -----------------


def check_orders_accepted(e1: Sequence[Exchange], *, check_id: str = "S-ORDER-SENT") -> None:
    """Every recorded E1 reached ePROM without an error: 2xx with a non-zero order id (V1.1)."""
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    if not orders:
        raise NotVerifiable(check_id, "no E1 request was recorded")
    found = Deviations(check_id)
    for exchange in orders:
        found.check("S-ORDER-SENT.6", created_order_id(exchange) is not None, "E1 response", answer_text(exchange),
                    "2xx with a non-zero order id", exchange_id=exchange.id)
    found.raise_if_any()


def check_no_duplicate_orders_recorded(e1: Sequence[Exchange], *, check_id: str = "S-NO-DUPLICATE-ORDER") -> None:
    """No two orders were created from byte-identical E1 requests (a resent request carries the same
    body, expiry included; two real orders practically never do)."""
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    if not orders:
        raise NotVerifiable(check_id, "no E1 request was recorded")
    created: dict[str, list[Exchange]] = {}
    for exchange in orders:
        if created_order_id(exchange) is not None:
            created.setdefault(exchange.request_body, []).append(exchange)
    found = Deviations(check_id)
    for group in created.values():
        found.check("S-NO-DUPLICATE-ORDER.2", len(group) == 1, "orders created from one identical E1 request",
                    len(group), "1 (the request was sent again after ePROM had taken it)", exchange_id=group[-1].id)
    found.raise_if_any()
