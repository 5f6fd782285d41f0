"""E1 ``POST api/v2/formorder``: validation with the documented errors, the order, and C1 afterwards.

Order of the checks (UNSPECIFIED; the simulator's reading): fault → key → body → members and types →
E1-2 unknown form → E1-1 unpublished → E1-7/E1-8 FH/H-number → E1-3/E1-4 signing → E1-5 paper → E1-6
metadata → person look-up (all-zero ``id`` when the person does not exist, HTTP 200).

Own texts (UNSPECIFIED, 400): a missing ``formId``/``nationalId``/``expiryDate``, a ``formId`` that is no
GUID, a ``nationalId`` that is not an 11-digit string, an unparseable ``expiryDate``, a bad enum value, a
non-boolean flag, a malformed ``physicalAddress``, an ``onBehalfOfNationalId`` that is no fødselsnummer
or D-nummer. A ``nationalId`` of 11 digits with wrong check digits is an id that "does not exist" (zero
``id``). ``metadata: ""`` counts as no metadata. An ``expiryDate`` in the past is accepted with a finding.

The answer echoes the documented request members as received, plus ``id``, ``singleUseCode`` (only for
``NoDistribution``, otherwise ``null``), ``loginUrl`` and ``notificationChannel`` = the *preferred*
channel as a name; ``answer_overrides`` (a setting) are merged in last, to stand for a newer ePROM.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from verification.spec.enums import (
    PAPER_RULES,
    DistributionRule,
    EnumValueError,
    NotificationChannel,
    parse_enum,
    wire_name,
)
from verification.spec.national_id import NationalIdKind, classify, is_acceptable_for_eprom
from verification.spec.wire import ZERO_GUID, new_guid, order_status_callback

from .channels import distribute, preferred_channel
from .common import Members, Rejection, apply_fault, json_body, reject, require_header_key, state_of
from .messages import documented_error, error_response
from .orders import OTHER_SYSTEM_SKIP, Order, callback_api_key, single_use_code
from .recording import add_finding, after_response, set_meta
from .settings import Person
from .state import SimulatorState

__all__ = ["order_form", "retired_v1_order", "retired_v1_letter", "FORM_ORDER_MEMBERS"]

FORM_ORDER_MEMBERS = (
    "formId", "nationalId", "expiryDate", "reminderDate", "metadata", "dontStoreCompletedFormInPha",
    "distributionRule", "mustBeSigned", "signingText", "physicalAddress", "testMode", "onBehalfOfNationalId",
)
_ADDRESS_MEMBERS = ("fullName", "addressLine1", "postalCode", "postalPlace")
_FLAGS = ("dontStoreCompletedFormInPha", "mustBeSigned", "testMode")


@dataclass(frozen=True)
class FormOrderRequest:
    form_id: str
    national_id: str
    rule: DistributionRule
    must_be_signed: bool
    on_behalf_of: str | None
    test_mode: bool
    physical_address: bool
    metadata: Any


C1_OVERTAKE_HOLD_S = 1.0  # c1_delivery "before_answer": how long E1's answer waits for the C1's first attempt


async def order_form(request: Request) -> Response:
    state = state_of(request)
    try:
        fault = await apply_fault(request, state, "E1")
        credential = await require_header_key(request, state)
        members = Members(request, await json_body(request, state, form_ok=True), FORM_ORDER_MEMBERS)
        parsed = _parse(request, state, members)
        _check_documented_rules(state, parsed)
    except Rejection as rejection:
        return rejection.response
    person = state.person(parsed.national_id)
    if person is None or (fault is not None and fault.kind == "zero_id"):
        return _answer(state, members, ZERO_GUID, parsed.rule, code=None, login_url=None)
    order = _place(state, parsed, person, other_system=credential.owner == "other")
    set_meta(request, formOrderId=order.id)
    delivery = state.settings.c1_delivery  # read now: the kit changes it back once placed
    if delivery == "before_answer":  # the C1 overtakes this answer: sent first, the answer held (bounded)
        c1 = state.spawn(send_order_status(state, order))
        await asyncio.wait([c1], timeout=C1_OVERTAKE_HOLD_S)
    else:
        after_response(request, lambda: send_order_status(state, order, withheld=delivery == "withhold"))
    login_url = _login_url(request, state, order.id)
    return _answer(state, members, order.id, parsed.rule, code=order.single_use_code, login_url=login_url)


def _place(state: SimulatorState, parsed: FormOrderRequest, person: Person, *, other_system: bool) -> Order:
    order = Order(
        id=new_guid(), form_id=parsed.form_id.lower(), national_id=parsed.national_id, rule=parsed.rule,
        preferred_channel=preferred_channel(parsed.rule), must_be_signed=parsed.must_be_signed,
        on_behalf_of=parsed.on_behalf_of, test_mode=parsed.test_mode, physical_address=parsed.physical_address,
        placed_by_other_system=other_system,
        single_use_code=single_use_code() if parsed.rule == DistributionRule.NoDistribution else None,
    )
    # The outcome is decided now so the state is consistent at once; C1 reports it after the answer.
    order.apply(distribute(order.rule, person, physical_address=order.physical_address))
    state.orders[order.id] = order
    return order


async def send_order_status(state: SimulatorState, order: Order, *, withheld: bool = False) -> None:
    """C1 with the actual channel (or ``Error``), after ``callback_delay_s``; ``withheld``: left to the kit."""
    try:
        if state.settings.callback_delay_s:
            await asyncio.sleep(state.settings.callback_delay_s)  # the configured processing time
        body = order_status_callback(
            form_order_id=order.id, status=order.status, channel=order.channel, error_code=order.error_code,
            api_key=callback_api_key(state.settings), enum_style=state.settings.status_style,
            channel_style=state.settings.channel_style,
        )
        skip = OTHER_SYSTEM_SKIP if order.placed_by_other_system else None
        skip = skip or ("withheld: the kit delivers this order's one C1 itself" if withheld else None)
        await state.deliver("C1", body, record=order.deliveries, meta={"formOrderId": order.id}, skip_reason=skip)
    finally:
        order.distributed.set()


def _login_url(request: Request, state: SimulatorState, order_id: str) -> str:
    base = state.settings.login_url_base or str(request.base_url).rstrip("/") + "/proms"
    return f"{base.rstrip('/')}/Form/Edit/{order_id}"


def _answer(
    state: SimulatorState, members: Members, order_id: str, rule: DistributionRule, *, code: str | None,
    login_url: str | None,
) -> Response:
    channel = preferred_channel(rule) if order_id != ZERO_GUID else NotificationChannel.None_
    return JSONResponse(
        {**members.echo(), "id": order_id, "singleUseCode": code, "loginUrl": login_url,
         "notificationChannel": wire_name(channel), **state.settings.answer_overrides}
    )


# --- parsing (own texts: UNSPECIFIED) --------------------------------------------------------------


def _parse(request: Request, state: SimulatorState, members: Members) -> FormOrderRequest:
    for name in ("formId", "nationalId", "expiryDate"):
        if not members.has(name):
            raise reject(state, 400, f"{name} is required")
    form_id, national_id = members.get("formId"), members.get("nationalId")
    if not isinstance(form_id, str) or not _is_guid(form_id):
        raise reject(state, 400, f"formId: {form_id!r} is not a GUID")
    if not isinstance(national_id, str) or len(national_id) != 11 or not national_id.isdigit():
        raise reject(state, 400, "nationalId must be a string of 11 digits (fødselsnummer or D-nummer)")
    _check_expiry(request, state, members.get("expiryDate"))
    if members.has("reminderDate"):
        add_finding(request, "reminderDate is ignored by ePROM since 2022-07-05")
    try:
        rule = parse_enum(DistributionRule, members.get("distributionRule", "Basic"), field="distributionRule")
    except EnumValueError as exc:
        raise reject(state, 400, str(exc)) from None
    flags = {name: _flag(state, members, name) for name in _FLAGS}
    if flags["mustBeSigned"] and not members.get("signingText"):
        add_finding(request, "mustBeSigned without a signingText (BR-11)")
    if flags["testMode"]:
        add_finding(request, "testMode: true — the answer will not be returned to the ordering system (BR-10)")
    signing_text = members.get("signingText")
    if signing_text is not None and not isinstance(signing_text, str):
        raise reject(state, 400, "signingText must be a string or null")
    return FormOrderRequest(
        form_id=form_id, national_id=national_id, rule=rule, must_be_signed=flags["mustBeSigned"],
        on_behalf_of=_on_behalf_of(state, members.get("onBehalfOfNationalId")), test_mode=flags["testMode"],
        physical_address=_physical_address(state, members.get("physicalAddress")),
        metadata=members.values.get("metadata"),
    )


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _flag(state: SimulatorState, members: Members, name: str) -> bool:
    value = members.get(name, False)
    if isinstance(value, str) and value.lower() in ("true", "false"):  # url-encoded form fields
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise reject(state, 400, f"{name} must be true or false")
    return value


def _check_expiry(request: Request, state: SimulatorState, value: Any) -> None:
    try:
        expiry = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        expiry = None
    if expiry is None:
        raise reject(state, 400, f"expiryDate: {value!r} is not a date-time")
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=timezone.utc)
    if expiry < datetime.now(timezone.utc):
        add_finding(request, "expiryDate is in the past")


def _on_behalf_of(state: SimulatorState, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not is_acceptable_for_eprom(value):
        raise reject(state, 400, "onBehalfOfNationalId must be a fødselsnummer or D-nummer")
    return value


def _physical_address(state: SimulatorState, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, dict):
        raise reject(state, 400, "physicalAddress must be an object or null")
    for name in _ADDRESS_MEMBERS:
        member = next((v for k, v in value.items() if k.lower() == name.lower()), None)
        if member is not None and not isinstance(member, str):
            raise reject(state, 400, f"physicalAddress.{name} must be a string")
    return True


# --- the documented errors (Appendix C) ----------------------------------------------------------------


def _check_documented_rules(state: SimulatorState, order: FormOrderRequest) -> None:
    settings = state.settings
    form = state.form(order.form_id)
    if form is None:
        raise Rejection(documented_error(settings, "E1-2", formId=order.form_id))
    if not form.published:
        raise Rejection(documented_error(settings, "E1-1"))
    kind = classify(order.national_id).kind
    if kind == NationalIdKind.FH_NUMBER:
        raise Rejection(documented_error(settings, "E1-7"))
    if kind == NationalIdKind.H_NUMBER:
        raise Rejection(documented_error(settings, "E1-8"))
    signing_required = order.must_be_signed or (settings.form_level_signing and form.signing)
    if signing_required and order.rule == DistributionRule.NoDistribution:
        raise Rejection(documented_error(settings, "E1-3"))
    if signing_required and order.on_behalf_of is not None:
        raise Rejection(documented_error(settings, "E1-4"))
    if order.rule in PAPER_RULES and not form.paper:
        raise Rejection(documented_error(settings, "E1-5", formId=order.form_id))
    problem = metadata_problem(order.metadata)
    if problem is not None:
        raise Rejection(documented_error(settings, "E1-6", message=problem))


def metadata_problem(metadata: Any) -> str | None:
    """Why ``metadata`` is not a string holding a JSON object, or ``None`` when it is fine (or absent)."""
    if metadata is None or metadata == "":
        return None
    if not isinstance(metadata, str):
        return f"metadata must be a string holding a JSON object (JSON.stringify it), not a JSON {_json_type(metadata)}"
    try:
        parsed = json.loads(metadata)
    except ValueError as exc:
        return str(exc)
    if not isinstance(parsed, dict):
        return f"expected a JSON object, got a JSON {_json_type(parsed)}"
    return None


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# --- retired and deprecated v1 endpoints -----------------------------------------------------------


async def retired_v1_order(request: Request) -> Response:
    """E9: the v1 order API, retired in ePROM v12.0 (2023-12-06): 410 Gone and a finding."""
    add_finding(request, "v1 order API (POST api/formorder) is retired since 2023-12-06; use api/v2/formorder")
    return error_response(
        state_of(request).settings, 410,
        "The v1 order API (api/formorder) was retired in ePROM v12.0 on 2023-12-06. Use POST api/v2/formorder.",
    )


async def retired_v1_letter(request: Request) -> Response:
    """E10: the deprecated v1 letter API ("UTGÅTT"): 410 Gone and a finding (its retirement is not dated)."""
    add_finding(request, "v1 letter API (POST api/messagetocitizen) is deprecated; use api/v2/messagetocitizen")
    return error_response(
        state_of(request).settings, 410,
        "The v1 letter API (api/messagetocitizen) is deprecated. Use POST api/v2/messagetocitizen.",
    )
