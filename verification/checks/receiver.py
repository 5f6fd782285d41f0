"""R-checks: the ordering system as receiver of ePROM's callbacks, judged from the recorded exchanges.

Replies are judged per exchange: *acknowledged* is HTTP 2xx with ``{"success": true}`` (BR-21); *rejected*
is a 4xx, or a 2xx with ``{"success": false}``; a 5xx, a timeout, a reset or a redirect is neither, and never
passes. Each deviation names what was sent (method, path, the stimulus) and what came back.

What the system stored is judged separately, from probe tallies (:func:`check_stored`): a check with a
stored part has two cases over the same delivery, one for the replies and one for the storage. Without a
probe the storage case is *not verifiable* with the reason, while the replies case still passes or fails,
so the evidence shows "passed, stored part not verifiable" rather than hiding either half.

The probe counts, per order: ``status`` the distinct order-status updates stored (each C1 with a new
status, channel or error code, and a C2 ``Expired``), ``answers`` the distinct completed forms. A repeated
delivery of the same callback must leave both unchanged; a refused callback too. ``status`` may also answer
``latest``, the order's current status: a C2 ``Expired`` is judged by it when it is there (a system keeping only
the latest status cannot count one more), and is not verifiable when the count stays and ``latest`` is missing.

The security checks are in :mod:`.receiver_security`, the checks over the whole session (reply shape,
latency, leaks) in :mod:`.receiver_session`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import EnumValueError, FormOrderStatus, parse_enum
from ..spec.requirements import owner_of
from .failure import Deviations, NotVerifiable
from .outbound import answer_text, header
from .round_trip import acknowledged
from .sender import authorization_problem

__all__ = [
    "CheckNote",
    "ACKNOWLEDGED",
    "REJECTED",
    "sent",
    "reply",
    "rejected",
    "server_failure",
    "deviations_for",
    "require_acknowledged",
    "require_rejected",
    "require_no_server_failure",
    "check_stored",
    "check_status_ordered",
    "check_status_error",
    "check_status_other",
    "check_return_completed",
    "check_return_expired",
    "check_return_paper",
    "check_return_signed",
    "check_patient_initiated",
    "check_idempotent",
    "check_concurrent",
    "check_ordering",
    "check_c1_before_answer",
    "check_message_status",
]

ACKNOWLEDGED = 'HTTP 2xx with {"success": true} (BR-21)'
REJECTED = 'rejected: HTTP 4xx, or 2xx with {"success": false}; never 5xx'


class CheckNote(UserWarning):
    """A check passed with something a reviewer should see (plain http in the test environment): a case
    issues it with :func:`warnings.warn`, and pytest lists it in the warnings summary."""


# -- reading replies -------------------------------------------------------------------------------


def sent(exchange: Exchange) -> str:
    """What the kit (or the simulator) sent: ``PUT /api/PromsFormOrder [C1 Ordered via Unsecure]``."""
    label = exchange.meta.get("stimulus") or exchange.meta.get("callback") or ""
    by = "" if exchange.actor == "kit" else f" by the {exchange.actor}"
    return f"{exchange.method} {exchange.path}" + (f" [{label}{by}]" if label or by else "")


def reply(exchange: Exchange) -> str:
    """What came back, short: ``HTTP 400 '{"success": false}'`` or the transport error."""
    return answer_text(exchange)


def _success(exchange: Exchange) -> Any:
    body = exchange.json_response()
    if not isinstance(body, dict):
        return None
    return next((value for key, value in body.items() if key.lower() == "success"), None)


def server_failure(exchange: Exchange) -> bool:
    """A 5xx, a timeout or a reset: never a pass for any check."""
    return exchange.error is not None or exchange.status is None or exchange.status >= 500


def rejected(exchange: Exchange) -> bool:
    """HTTP 4xx, or 2xx with ``{"success": false}``."""
    if server_failure(exchange):
        return False
    status = exchange.status or 0
    return 400 <= status < 500 or (200 <= status < 300 and _success(exchange) is False)


def deviations_for(check_id: str, part: str = "") -> Deviations:
    """The collector of ``check_id`` (titled from the checklist data)."""
    return Deviations(check_id, part)


def require_acknowledged(found: Deviations, requirement: str, exchanges: Iterable[Exchange]) -> None:
    for exchange in exchanges:
        found.check(requirement, acknowledged(exchange), f"{sent(exchange)}: reply", reply(exchange), ACKNOWLEDGED,
                    exchange_id=exchange.id)


def require_rejected(found: Deviations, requirement: str, exchanges: Iterable[Exchange]) -> None:
    for exchange in exchanges:
        found.check(requirement, rejected(exchange), f"{sent(exchange)}: reply", reply(exchange), REJECTED,
                    exchange_id=exchange.id)


def require_no_server_failure(found: Deviations, requirement: str, exchanges: Iterable[Exchange]) -> None:
    """Not a 5xx/timeout/reset, and a reply that is either an acknowledgement or a documented rejection."""
    for exchange in exchanges:
        found.check(requirement, acknowledged(exchange) or rejected(exchange), f"{sent(exchange)}: reply",
                    reply(exchange), 'not 5xx: {"success": true}, or a documented rejection (4xx / {"success": false})',
                    exchange_id=exchange.id)


# -- the stored part -------------------------------------------------------------------------------


def check_stored(requirement: str, delivered: Any) -> None:
    """The probe counted what each delivery should have stored: one more, or nothing (``Tally`` of
    :mod:`verification.scenarios.receiver`). Not verifiable when a probe was missing or unreadable.

    ``requirement`` (e.g. ``R-IDEMPOTENT.2``) names the check and how binding a difference is: over bodies
    ePROM never sends (``R-MALFORMED``) the guide sets no storage rule, so its entry is a SHOULD."""
    check_id = owner_of(requirement)
    found = deviations_for(check_id, "stored part (probe)")
    unverified: list[str] = []
    for tally in delivered.tallies:
        increase = tally.after.count - tally.before.count
        wanted = tally.storage.increase
        where = f"{tally.label}: {tally.storage.probe} count of {tally.storage.form_order_id}"
        exchange_id = tally.after.exchange.id if tally.after.exchange else None
        # An unchanged count is ambiguous only once the order had a status: a latest-only system counts 1 either
        # way. From no status at all (the Expired ahead of its C1), every design that stores it counts one more.
        if tally.storage.latest is not None and (tally.after.latest is not None
                                                 or (increase == 0 and tally.before.count > 0)):
            _judge_latest(found, requirement, tally, where, exchange_id=exchange_id, unverified=unverified)
            continue
        what = "stored once (one more)" if wanted == 1 else "nothing stored (no change)"
        if wanted > 1:
            what = f"each distinct callback stored once ({wanted} more)"
        found.check(requirement, increase == wanted, where, f"{tally.before.count} → {tally.after.count}", what,
                    exchange_id=exchange_id)
    found.raise_if_any()
    if delivered.unprobed or unverified:
        raise NotVerifiable(check_id, "the stored part: " + "; ".join(delivered.unprobed + unverified))
    if not delivered.tallies:
        raise NotVerifiable(check_id, "the stored part: nothing was delivered that the probe could count")


def _judge_latest(found: Deviations, requirement: str, tally: Any, where: str, *, exchange_id: int | None,
                  unverified: list[str]) -> None:
    """A status the C2 carries (``Expired``): the probe's ``latest`` shows it, whether the system keeps a history
    (count one more) or only the latest status (count unchanged). Without ``latest`` an unchanged count cannot
    tell "kept only the latest" from "never stored": not verifiable, with the probe field that would verify it."""
    wanted = tally.storage.latest
    count = f"{tally.before.count} → {tally.after.count}"
    if tally.after.latest is None:
        unverified.append(f"{tally.label}: the status count stayed {count} (a system keeping only the latest "
                          f"status counts the same); answer {{\"count\": n, \"latest\": \"{wanted.name}\"}} in the "
                          "status probe to verify it")
        return
    try:
        latest = parse_enum(FormOrderStatus, tally.after.latest, field="latest")
    except EnumValueError:
        latest = None
    increase = tally.after.count - tally.before.count
    found.check(requirement, latest == wanted and 0 <= increase <= 1, f"{where} and its latest status",
                f"{count}, latest {tally.after.latest!r}",
                f"the {wanted.name} return processed when it is acknowledged: latest {wanted.name!r}, stored at "
                "most once", exchange_id=exchange_id)


# -- statuses and returns (C1, C2) -----------------------------------------------------------------


def _all_acknowledged(requirement: str, exchanges: Sequence[Exchange]) -> None:
    check_id = owner_of(requirement)
    if not exchanges:
        raise NotVerifiable(check_id, "no callback was delivered")
    found = deviations_for(check_id, "replies")
    require_acknowledged(found, requirement, exchanges)
    found.raise_if_any()


def check_status_ordered(exchanges: Sequence[Exchange]) -> None:
    """C1 ``Ordered`` on every NotificationChannel acknowledged (V1.2, V1.3)."""
    _all_acknowledged("R-STATUS-ORDERED.1", exchanges)


def check_status_error(exchanges: Sequence[Exchange]) -> None:
    """C1 ``Error`` with ``PatientUnreachable`` and ``SikkerDigitalPostError`` acknowledged (V1.2)."""
    _all_acknowledged("R-STATUS-ERROR.1", exchanges)


def check_status_other(exchanges: Sequence[Exchange], *, check_id: str = "R-STATUS-OTHER") -> None:
    """C1 ``PhysicalMailReturned`` / ``DigipostDelivered``: acknowledged or a documented rejection,
    never a 5xx (V1.2; their semantics are undocumented, Q17)."""
    if not exchanges:
        raise NotVerifiable(check_id, "no callback was delivered")
    found = deviations_for(check_id, "replies")
    require_no_server_failure(found, "R-STATUS-OTHER.1", exchanges)
    found.raise_if_any()


def check_return_completed(exchanges: Sequence[Exchange]) -> None:
    """C2 ``Completed`` with stringified ``formData``, event log and warnings acknowledged (V3.1)."""
    _all_acknowledged("R-RETURN-COMPLETED.1", exchanges)


def check_return_expired(exchanges: Sequence[Exchange]) -> None:
    """C2 ``Expired`` acknowledged (V3.1)."""
    _all_acknowledged("R-RETURN-EXPIRED.1", exchanges)


def check_return_paper(exchanges: Sequence[Exchange]) -> None:
    """C2 with a non-zero ``scannedPaperId`` and paper date formats acknowledged (V3.1)."""
    _all_acknowledged("R-RETURN-PAPER.1", exchanges)


def check_patient_initiated(exchanges: Sequence[Exchange]) -> None:
    """C2 with ``isPatientInitiated: true`` for an unknown ``formOrderId`` acknowledged (V3.1, 3.2.3)."""
    _all_acknowledged("R-PATIENT-INITIATED.1", exchanges)


def check_return_signed(
    c2: Sequence[Exchange], e2: Sequence[Exchange], *, signed_form_id: str | None, api_key: str, budget_s: float,
    redelivery: Exchange | None = None, e2_after_redelivery: Sequence[Exchange] = (),
    check_id: str = "R-RETURN-SIGNED",
) -> None:
    """A signed return is acknowledged on its first delivery, and the system downloads the signed document
    (E2) with ``Authorization: Basic <raw key>`` within the callback budget (S-SIGN.3). An identical
    redelivery of that C2 is acknowledged too (V3.2); downloading the document again for it is against the
    kit's advice only (the guide keeps it 30 days and says nothing of how often it is fetched)."""
    if not c2 or not signed_form_id:
        raise NotVerifiable(check_id, "the simulated citizen delivered no signed return")
    found = deviations_for(check_id)
    first = c2[0]
    found.check("R-RETURN-SIGNED.1", acknowledged(first), f"{sent(first)}: reply", reply(first), ACKNOWLEDGED,
                exchange_id=first.id)
    if not e2:  # the guide sets no time for the download (kept 30 days): a later batch is not verified here
        found.raise_if_any()
        raise NotVerifiable(check_id, f"no download of the signed document within {budget_s:g} s "
                            "(budgets.signed_download_s); a system that downloads later is not verified in this run")
    for exchange in e2[:1]:
        problem = authorization_problem(header(exchange, "authorization"), api_key)
        found.check("R-RETURN-SIGNED.2", problem is None, "E2 Authorization header", problem, "'Basic <raw key>'",
                    exchange_id=exchange.id)
        found.check("R-RETURN-SIGNED.3", 200 <= (exchange.status or 0) < 300, "E2 answer", reply(exchange),
                    "HTTP 200 with the PDF (the request as ePROM accepts it)", exchange_id=exchange.id)
    if redelivery is not None:
        found.check("R-RETURN-SIGNED.4", acknowledged(redelivery), f"{sent(redelivery)} again: reply",
                    reply(redelivery), ACKNOWLEDGED, exchange_id=redelivery.id)
        found.check("R-RETURN-SIGNED.5", not e2_after_redelivery, "E2 downloads after the redelivered C2",
                    len(e2_after_redelivery), "fetching a signed document once: a redelivered return names the "
                    "same signedFormId, already downloaded",
                    exchange_id=e2_after_redelivery[0].id if e2_after_redelivery else None)
    found.raise_if_any()


def check_failed_download_not_kept(e2: Sequence[Exchange], before: Any, after: Any, *, budget_s: float,
                                   check_id: str = "R-RETURN-SIGNED") -> None:
    """While ePROM answers every download of a signed document with an error (``e2``: the attempts, all
    refused), the system holds no signed document for the order: the ``signed`` probe (``before``/``after``:
    its answers around the return) counts none more. A system that keeps the error answer as the document
    believes it has it and never fetches it again (SkjemaSomKreverSignatur.md:31)."""
    if not e2:
        raise NotVerifiable(check_id, f"no download of the signed document within {budget_s:g} s "
                            "(budgets.signed_download_s): what the system keeps of a failed download is not verified")
    if before is None or after is None or before.count is None or after.count is None:
        problem = next((a.problem for a in (before, after) if a is not None and a.problem), "no signed probe")
        raise NotVerifiable(check_id, f"the stored part of a failed download: {problem}")
    found = deviations_for(check_id, "failed download (probe)")
    answers = ", ".join(reply(exchange) for exchange in e2[:3]) + (" …" if len(e2) > 3 else "")
    found.check("R-RETURN-SIGNED.6", after.count == before.count,
                f"signed count after {len(e2)} download(s) answered {answers}", f"{before.count} → {after.count}",
                "no signed document more: an error answer is no document, and the system still has to download it",
                exchange_id=after.exchange.id if after.exchange else None)
    found.raise_if_any()


# -- redelivery, bursts, ordering ------------------------------------------------------------------


def check_idempotent(exchanges: Sequence[Exchange]) -> None:
    """Every delivery of a repeated C1 and C2 acknowledged, the repeats too (V1.4, V3.2)."""
    _all_acknowledged("R-IDEMPOTENT.1", exchanges)


def check_concurrent(exchanges: Sequence[Exchange]) -> None:
    """A parallel burst of distinct callbacks and duplicates: every one acknowledged, none a 5xx (V1.4, V3.2)."""
    _all_acknowledged("R-CONCURRENT.1", exchanges)


def check_ordering(exchanges: Sequence[Exchange], *, c2_first: bool, check_id: str = "R-ORDERING") -> None:
    """A C2 overtaking its C1, the late C1, and a stale C1 after the C2: all acknowledged (V3.2). The stored
    part (:func:`check_stored`) shows that nothing was lost and no answer was undone."""
    found = deviations_for(check_id, "replies")
    require_acknowledged(found, "R-ORDERING.1", exchanges)
    found.raise_if_any()
    if not c2_first:
        raise NotVerifiable(check_id, "the simulator's C1 reached the system before the kit's C2 was answered, "
                                      "so the C2-before-C1 order was not exercised")


def check_c1_before_answer(exchanges: Sequence[Exchange], *, overtook: bool, check_id: str = "R-ORDERING") -> None:
    """The simulator's C1 that reached the system before E1's answer is acknowledged on its first attempt
    (V1.4: "Mål: ingen feilsituasjoner eller duplikate meldinger", IntegrasjonVerifikasjon.md:12). ePROM
    documents no re-delivery of C1, so a refusal here loses the status;
    a later attempt never makes up for the first. The stored part (:func:`check_stored`): stored once."""
    if not exchanges:
        raise NotVerifiable(check_id, "the simulator delivered no C1 before E1's answer")
    found = deviations_for(check_id, "C1 before E1's answer")
    require_acknowledged(found, "R-ORDERING.2", exchanges[:1])
    found.raise_if_any()
    if not overtook:
        raise NotVerifiable(check_id, "the C1 reached the system only after E1's answer, so the overtaking "
                                      "order was not exercised")


def check_message_status(exchanges: Sequence[Exchange]) -> None:
    """C3 in both documented shapes (and with integer enums, [HEAD]) acknowledged (BR-20, BR-21)."""
    _all_acknowledged("R-MESSAGE-STATUS.1", exchanges)
