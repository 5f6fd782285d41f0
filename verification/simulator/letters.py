"""E3 letters (``POST api/v2/messagetocitizen``, then C3) and E4/E5 SMS/e-mail (key in the body).

E3 (spec 2, E3): the key in the header; an unknown key → 400 E3-4 echoing the key as sent; no main
document → 400 E3-3; a ``formId`` (optional, documented at the seed's commit 5567066, Q21) that names no
form → 400 E3-5. ``documentCollection``'s structure is UNSPECIFIED in every version of the guide, so
the simulator is lenient: a main document is *present* when the collection is a non-empty list, or an
object whose main-document member (a name containing "main" or "hoved") is non-empty, or — with no such
member — an object with any non-empty member. The answer is ``{"notificationChannel", "messageToCitizenId"}``;
a letter that cannot go out answers ``"notificationChannel": "0"`` (documented, a string). C3 follows the
answer (``Sent`` on the channel, or ``Error``/``None`` for a citizen who exists but cannot be reached); an
unknown person gets no letter and no C3; ``testMode`` letters get no C3.

E4/E5: ``apiKey`` in the body (400 ``apiKey '{sent}' doesn't exists``, echoing what was sent, ``''``
when absent); then ``nationalId`` or ``phoneNumber``/``emailAddress``. ``success`` is true when a number or
address was given, or the person is in the contact register (UNSPECIFIED).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from verification.spec.enums import EnumValueError, NotificationChannel, parse_enum
from verification.spec.wire import ZERO_GUID, enum_value, message_status_callback, new_guid

from .channels import letter_channel
from .common import (
    OTHER_SYSTEM_FINDING,
    Members,
    Rejection,
    apply_fault,
    json_body,
    reject,
    require_header_key,
    state_of,
)
from .messages import documented_error, text
from .orders import OTHER_SYSTEM_SKIP, Letter, callback_api_key
from .recording import add_finding, after_response, set_meta
from .state import SimulatorState

__all__ = ["send_letter", "send_sms", "send_email", "has_main_document"]

LETTER_MEMBERS = (
    "nationalId", "senderInfo", "messageInfo", "documentCollection", "notificationPriorityList", "testMode",
    "paperColorPrint", "formId",
)
NOT_SENT = "0"  # the documented "nothing was sent" value, written as a string


async def send_letter(request: Request) -> Response:
    state = state_of(request)
    try:
        fault = await apply_fault(request, state, "E3")
        credential = await require_header_key(request, state, unknown_key_message=text(state.settings, "E3-4"))
        members = Members(request, await json_body(request, state), LETTER_MEMBERS)
        if members.has("formId"):
            _check_letter_form(state, members.get("formId"))
        if not has_main_document(members.get("documentCollection")):
            raise Rejection(documented_error(state.settings, "E3-3"))
        national_id = members.get("nationalId")
        if not isinstance(national_id, str) or not national_id:
            raise reject(state, 400, "nationalId is required")  # UNSPECIFIED
        priority = _priority(state, members.get("notificationPriorityList"))
    except Rejection as rejection:
        return rejection.response
    person = None if fault is not None and fault.kind == "zero_id" else state.person(national_id)
    if person is None:
        return JSONResponse({"notificationChannel": NOT_SENT, "messageToCitizenId": ZERO_GUID})
    letter = Letter(
        id=new_guid(), national_id=national_id, channel=letter_channel(priority, person),
        test_mode=members.get("testMode") is True, placed_by_other_system=credential.owner == "other",
    )
    state.letters[letter.id] = letter
    set_meta(request, messageToCitizenId=letter.id)
    withheld = state.settings.c3_delivery == "withhold"  # read now: the kit changes it back once sent
    after_response(request, lambda: send_letter_status(state, letter, withheld=withheld))
    channel = NOT_SENT if letter.channel is None else enum_value(letter.channel, state.settings.status_style)
    return JSONResponse({"notificationChannel": channel, "messageToCitizenId": letter.id})


async def send_letter_status(state: SimulatorState, letter: Letter, *, withheld: bool = False) -> None:
    """C3 for the letter; ``withheld``: the letter's one C3 is left to the kit."""
    settings = state.settings
    body = message_status_callback(
        message_to_citizen_id=letter.id, sent_status=letter.sent_status,
        channel=letter.channel or NotificationChannel.None_, api_key=callback_api_key(settings),
        shape=settings.letter_callback_shape, enum_style=settings.channel_style,
    )
    skip = None
    if letter.test_mode:
        skip = "testMode letter: its status is not reported back (BR-10)"
    elif letter.placed_by_other_system:
        skip = OTHER_SYSTEM_SKIP
    elif withheld:
        skip = "withheld: the kit delivers this letter's one C3 itself"
    await state.deliver("C3", body, record=letter.deliveries, meta={"messageToCitizenId": letter.id}, skip_reason=skip)


def _check_letter_form(state: SimulatorState, form_id: Any) -> None:
    """``formId`` of a letter ([5567066]: "The form to place an order for"): an unknown one is E3-5."""
    if form_id is None:
        return
    if not isinstance(form_id, str) or state.form(form_id) is None:
        raise Rejection(documented_error(state.settings, "E3-5", formId=str(form_id)))


def has_main_document(collection: Any) -> bool:
    if isinstance(collection, list):
        return any(collection)
    if not isinstance(collection, dict) or not collection:
        return False
    main = [value for key, value in collection.items() if "main" in key.lower() or "hoved" in key.lower()]
    return any(main) if main else any(collection.values())


def _priority(state: SimulatorState, value: Any) -> list[NotificationChannel] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise reject(state, 400, "notificationPriorityList must be a list")  # UNSPECIFIED
    try:
        return [parse_enum(NotificationChannel, item, field="notificationPriorityList") for item in value]
    except EnumValueError as exc:
        raise reject(state, 400, str(exc)) from None


# --- E4 / E5 ---------------------------------------------------------------------------------------


async def send_sms(request: Request) -> Response:
    return await _unsecure(request, "E4", ("apiKey", "smsText", "nationalId", "phoneNumber"), "phoneNumber")


async def send_email(request: Request) -> Response:
    members = ("apiKey", "emailTitle", "emailText", "nationalId", "emailAddress")
    return await _unsecure(request, "E5", members, "emailAddress")


async def _unsecure(request: Request, endpoint: str, documented: tuple[str, ...], address_member: str) -> Response:
    state = state_of(request)
    try:
        await apply_fault(request, state, endpoint)
        members = Members(request, await json_body(request, state), documented)
        sent_key = members.get("apiKey", "")
        if "authorization" in request.headers:
            add_finding(request, f"{endpoint} takes the API key in the body member apiKey, not in a header")
        owner = state.key_owner(sent_key if isinstance(sent_key, str) else None)
        if owner is None:
            raise Rejection(documented_error(state.settings, f"{endpoint}-1", apiKey=str(sent_key)))
        if owner == "other":
            add_finding(request, OTHER_SYSTEM_FINDING)
        national_id, address = members.get("nationalId", ""), members.get(address_member, "")
        if not national_id and not address:
            raise Rejection(documented_error(state.settings, f"{endpoint}-2"))
    except Rejection as rejection:
        return rejection.response
    person = state.person(national_id) if isinstance(national_id, str) and national_id else None
    return JSONResponse({"success": bool(address) or (person is not None and person.unsecure)})
