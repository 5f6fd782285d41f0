"""P-checks: ePROM itself, from the system's point of view (direct mode; against the simulator in CI).

Each check judges the exchanges of the pre-flight requests planned for it (:mod:`verification.direct.preflight`):
a ``Sent`` pairs the planned request (its ``expect``: an order, a documented error, a refused key) with
the exchange it became. Error texts are those of spec Appendix C, matched as the spec says (1.5): the
text anywhere in the body, whatever the envelope (a bare JSON string, ``{"Message": …}``, plain text),
after JSON decoding, so ``\\u00f8`` counts as ``ø``.

UNSPECIFIED, our reading: a key counts as accepted when ePROM answers 2xx, or 400 with a documented E1
text (the request got past authentication into form validation); a wrong key counts as refused on 400 or
401 without a documented E1 text (spec 1.4: "accept 400 or 401 for bad keys").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..recorder.store import Exchange
from ..spec.messages import APPENDIX_C, E1_ERRORS, render
from ..spec.payloads import is_guid, is_zero_guid
from .failure import Deviations

__all__ = [
    "E1_ERRORS",
    "E1_ERROR_TEXTS",
    "expected_text",
    "message_texts",
    "carries_text",
    "documented_e1_error",
    "check_api_key",
    "check_forms",
    "check_form_caps",
    "check_documented_error",
]

# Spec Appendix C; E1-6 ends in the parser's own message (UNSPECIFIED), so only its fixed beginning is
# compared.
E1_ERROR_TEXTS: dict[str, str] = {key: APPENDIX_C[key].split("{message}")[0] for key in E1_ERRORS}
_KEY_REFUSED = (400, 401)
# capability → the requirements of its orders (the answer, the order id)
_CAPABILITY_REQUIREMENTS = {"signing": ("P-FORM-CAPS.1", "P-FORM-CAPS.2"), "paper": ("P-FORM-CAPS.3", "P-FORM-CAPS.4")}


def expected_text(message_id: str, **values: str) -> str:
    """The documented text of ``message_id`` with its placeholders filled in."""
    return render(E1_ERROR_TEXTS[message_id], **values)


def message_texts(body: str) -> list[str]:
    """Every place a message may sit in an error body: the raw text, and each string of its JSON."""
    texts = [body]
    try:
        texts += _strings(json.loads(body))
    except ValueError:
        pass
    return texts


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def carries_text(exchange: Exchange, text: str) -> bool:
    return any(text in candidate for candidate in message_texts(exchange.response_body))


def documented_e1_error(exchange: Exchange) -> str | None:
    """The Appendix C id of the E1 error the answer carries (any form id), or ``None``."""
    for message_id, template in E1_ERROR_TEXTS.items():
        pattern = re.escape(template).replace(re.escape("{formId}"), "[^']*")
        if any(re.search(pattern, candidate) for candidate in message_texts(exchange.response_body)):
            return message_id
    return None


def _answer(exchange: Exchange) -> str:
    """What came back, short: the status and the body (a bare JSON string decoded), or the error."""
    if exchange.status is None:
        return f"no answer: {exchange.error}"
    decoded = exchange.json_response()
    body = decoded if isinstance(decoded, str) else exchange.response_body
    shown = f"HTTP {exchange.status} {body[:300]}" if body else f"HTTP {exchange.status} (empty body)"
    return f"{shown} — {exchange.error}" if exchange.error else shown


def _ok(exchange: Exchange) -> bool:
    return exchange.error is None and 200 <= (exchange.status or 0) < 300


# --- judging one planned request --------------------------------------------------------------------------


def judge_expectation(found: Deviations, sent: Any, *, answer: str, order_id: str) -> None:
    """Add a deviation when ``sent.exchange`` is not what ``sent.step.expect`` describes: its answer
    (requirement ``answer``) or, for an order, its id (``order_id``)."""
    step, exchange = sent.step, sent.exchange
    expect = step.expect
    if expect.outcome == "order":
        _judge_order(found, step.name, exchange, answer=answer, order_id=order_id)
    elif expect.outcome == "error":
        matched = exchange.error is None and exchange.status == 400 and carries_text(exchange, expect.text)
        found.check(answer, matched, f"{step.name}: answer", _answer(exchange), expect.describe(),
                    exchange_id=exchange.id)
    else:
        raise ValueError(f"{step.name}: expectation {expect.outcome!r} is judged by check_api_key")


def _judge_order(found: Deviations, name: str, exchange: Exchange, *, answer: str, order_id: str) -> None:
    if not found.check(answer, _ok(exchange), f"{name}: answer", _answer(exchange), "2xx: the order is accepted",
                       exchange_id=exchange.id):
        return
    body = exchange.json_response()
    answered = next((v for k, v in body.items() if k.lower() == "id"), None) if isinstance(body, dict) else None
    if is_zero_guid(answered):
        found.check(order_id, False, f"{name}: id", answered, "a non-zero order id (the all-zero id means ePROM does "
                    "not know the test person: list a test person that exists in this environment)",
                    exchange_id=exchange.id)
    else:
        found.check(order_id, is_guid(answered), f"{name}: id", answered, "the order id, a GUID",
                    exchange_id=exchange.id)


# --- the checks -------------------------------------------------------------------------------------------


def check_api_key(results: Sequence[Any]) -> None:
    """P-API-KEY: the configured key is accepted, a wrong key is refused (and places no order)."""
    found = Deviations("P-API-KEY", severity="critical")
    for sent in results:
        exchange = sent.exchange
        if sent.step.wrong_key:
            refused = (exchange.error is None and exchange.status in _KEY_REFUSED
                       and documented_e1_error(exchange) is None)
            found.check("P-API-KEY.1", refused, "wrong key: answer", _answer(exchange),
                        "400 or 401 without an order-validation text: the key is checked first", exchange_id=exchange.id)
        else:
            accepted = _ok(exchange) or (exchange.status == 400 and documented_e1_error(exchange) is not None)
            found.check("P-API-KEY.2", accepted, "configured key: answer", _answer(exchange),
                        "2xx (or a documented E1 error): the key is accepted", exchange_id=exchange.id)
    found.raise_if_any()


def check_forms(results: Sequence[Any]) -> None:
    """P-FORMS: each configured form can be ordered (or, declared unpublished, exists: E1-1)."""
    found = Deviations("P-FORMS")
    for sent in results:
        judge_expectation(found, sent, answer="P-FORMS.1", order_id="P-FORMS.2")
    found.raise_if_any()


def check_form_caps(results: Sequence[Any], *, capability: str) -> None:
    """P-FORM-CAPS: signing (an accepted signing order; E1-3 is refused for any form and proves nothing about
    it) / paper (an order with a paper rule) per form."""
    found = Deviations("P-FORM-CAPS", capability)
    answer, order_id = _CAPABILITY_REQUIREMENTS[capability]
    for sent in results:
        judge_expectation(found, sent, answer=answer, order_id=order_id)
    found.raise_if_any()


def check_documented_error(results: Sequence[Any], *, message_id: str) -> None:
    """P-DOCUMENTED-ERRORS (one error): the documented situation gives 400 with the exact text."""
    found = Deviations("P-DOCUMENTED-ERRORS", message_id)
    found.check("P-DOCUMENTED-ERRORS.1", bool(results), message_id, "no request", "one request provoking it")
    for sent in results:
        judge_expectation(found, sent, answer="P-DOCUMENTED-ERRORS.2", order_id="P-DOCUMENTED-ERRORS.3")
    found.raise_if_any()
