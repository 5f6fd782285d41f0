"""The simulated citizen (admin API, JSON): what a person on Helsenorge would do, and what it causes.

``POST /_sim/citizen/complete {formOrderId, answers?, sign?, eventLog?}`` → C2 ``Completed``;
``POST /_sim/citizen/expire {formOrderId}`` → C2 ``Expired``;
``POST /_sim/citizen/paper {formOrderId, answers?}`` → C2 with a non-zero ``scannedPaperId``;
``POST /_sim/citizen/initiate {formId, nationalId, answers?, sign?}`` → patient-initiated C2;
``POST /_sim/privacy-change {nationalId, status, settingId?, name?}`` → C4 with ``Authorization: Basic <key>``.

Every answer says what was sent and how delivery went (``delivery``: attempts, final status); a refusal is
409 with ``{"refused": reason}``, an unknown order 404, a malformed request 400. A C2 is never sent before
the order's C1 has been delivered (or given up).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from verification.spec.enums import (
    DistributionRule,
    FormOrderStatus,
    NotificationChannel,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    VolvenStatus,
)
from verification.spec.national_id import is_acceptable_for_eprom
from verification.spec.wire import form_return_callback, new_guid, personvern_callback

from .admin_support import AdminError, admin_endpoint, request_json
from .dispatcher import DeliveryOutcome
from .documents import signed_form_pdf
from .orders import (
    DEFAULT_ANSWERS,
    OTHER_SYSTEM_SKIP,
    CitizenRefusal,
    Order,
    callback_api_key,
    completion_callback,
    expiry_callback,
    paper_callback,
    patient_initiated_values,
)
from .personvern import apply_privacy_change
from .state import PRIVACY_DEFINITIONS, SimulatorState

__all__ = ["citizen_routes"]

_VOLVEN = {
    VolvenStatus.RES: (PersonvernInnstillingType.Reservasjon, PersonvernInnstillingStatus.Aktiv),
    VolvenStatus.IRES: (PersonvernInnstillingType.Reservasjon, PersonvernInnstillingStatus.IkkeAktiv),
    VolvenStatus.SAM: (PersonvernInnstillingType.Samtykke, PersonvernInnstillingStatus.Aktiv),
    VolvenStatus.ISAM: (PersonvernInnstillingType.Samtykke, PersonvernInnstillingStatus.IkkeAktiv),
}


async def _order(state: SimulatorState, data: dict[str, Any]) -> Order:
    order = state.orders.get(str(data.get("formOrderId", "")).lower())
    if order is None:
        raise AdminError(404, f"no order {data.get('formOrderId')!r}")
    if not await state.settle(order):  # C2 never overtakes C1
        raise AdminError(504, "the order's C1 delivery did not finish in time")
    return order


def _answers(data: dict[str, Any]) -> dict[str, Any] | None:
    answers = data.get("answers")
    if answers is not None and not isinstance(answers, dict):
        raise AdminError(400, "answers must be an object (field id → value)")
    return answers


async def _deliver_return(state: SimulatorState, order: Order, body: dict[str, Any]) -> Response:
    skip = None
    if order.test_mode:
        skip = "testMode order: the answer is not returned to the ordering system (BR-10)"
    elif order.placed_by_other_system:
        skip = OTHER_SYSTEM_SKIP
    outcome = await state.deliver("C2", body, record=order.deliveries, meta={"formOrderId": order.id}, skip_reason=skip)
    return JSONResponse({"formOrderId": order.id, "sent": body, "delivery": outcome.to_dict()})


async def complete(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"formOrderId", "answers", "sign", "eventLog"})
    order = await _order(state, data)
    sign = data.get("sign", False) is True
    body = completion_callback(
        order, state.settings, answers=_answers(data), sign=sign, event_log=data.get("eventLog")
    )
    if sign:
        state.documents[order.signed_form_id] = signed_form_pdf(
            [f"Signert skjema {order.form_id}", f"Bestilling {order.id}", "Simulert ePROM: signert av innbygger"]
        )
    return await _deliver_return(state, order, body)


async def expire(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"formOrderId"})
    order = await _order(state, data)
    return await _deliver_return(state, order, expiry_callback(order, state.settings))


async def paper(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"formOrderId", "answers"})
    order = await _order(state, data)
    return await _deliver_return(state, order, paper_callback(order, state.settings, answers=_answers(data)))


async def initiate(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"formId", "nationalId", "answers", "sign"})
    form_id, national_id = str(data.get("formId", "")).lower(), data.get("nationalId")
    form = state.form(form_id)
    if form is None or not form.published:
        raise AdminError(404, f"no published form {form_id!r}")
    if not form.patient_orderable:
        raise CitizenRefusal("the form is not orderable by the patient ('Kan bestilles av pasient' is off)")
    if not isinstance(national_id, str) or not is_acceptable_for_eprom(national_id):
        raise AdminError(400, "nationalId must be a fødselsnummer or D-nummer")
    sign = data.get("sign", False) is True
    if form.patient_signing and not sign:
        raise CitizenRefusal("the form must be signed when ordered by the patient: send sign: true")
    order = Order(
        id=new_guid(), form_id=form_id, national_id=national_id, rule=DistributionRule.Basic,
        preferred_channel=NotificationChannel.Helsenorge, patient_initiated=True,
        status=FormOrderStatus.Completed, channel=None,
    )
    order.distributed.set()
    answers = _answers(data)
    answers = DEFAULT_ANSWERS if answers is None else answers
    if sign:
        order.signed_form_id = new_guid()
        state.documents[order.signed_form_id] = signed_form_pdf([f"Signert skjema {form_id}", "Pasientinitiert"])
    state.orders[order.id] = order
    body = form_return_callback(
        form_order_id=order.id, answers=answers, signed_form_id=order.signed_form_id, event_log=[],
        patient_initiated=patient_initiated_values(form_id, national_id),
        api_key=callback_api_key(state.settings), enum_style=state.settings.status_style,
    )
    return await _deliver_return(state, order, body)


async def privacy_change(request: Request, state: SimulatorState) -> Response:
    data = await request_json(request, {"nationalId", "status", "settingId", "name"})
    national_id = data.get("nationalId")
    if not isinstance(national_id, str) or len(national_id) != 11:
        raise AdminError(400, "nationalId must be 11 characters")
    try:
        status = VolvenStatus(data.get("status"))
    except ValueError:
        raise AdminError(400, f"status must be one of {[s.value for s in VolvenStatus]}") from None
    setting_type, active = _VOLVEN[status]
    setting_id, name = data.get("settingId"), data.get("name")
    apply_privacy_change(state, national_id, setting_type, active, setting_id=setting_id, name=name)
    record = state.privacy.get((national_id, setting_type))
    default_id, default_name = PRIVACY_DEFINITIONS[setting_type]
    body = personvern_callback(
        national_id=national_id,
        setting_id=setting_id or (record.setting_id if record else default_id),
        name=name or (record.name if record else default_name),
        status=status,
    )
    deliveries: list[DeliveryOutcome] = []
    outcome = await state.deliver(
        "C4", body, record=deliveries, meta={},
        headers={"Authorization": f"Basic {callback_api_key(state.settings)}"},
    )
    return JSONResponse({"sent": body, "delivery": outcome.to_dict()})


citizen_routes = [
    Route("/citizen/complete", admin_endpoint(complete), methods=["POST"]),
    Route("/citizen/expire", admin_endpoint(expire), methods=["POST"]),
    Route("/citizen/paper", admin_endpoint(paper), methods=["POST"]),
    Route("/citizen/initiate", admin_endpoint(initiate), methods=["POST"]),
    Route("/privacy-change", admin_endpoint(privacy_change), methods=["POST"]),
]
