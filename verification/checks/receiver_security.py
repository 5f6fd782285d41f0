"""R-checks of the receiver's defences: keys (R-AUTH, R-PVK), orders it never placed (R-UNKNOWN-ORDER),
bodies it cannot use (R-MALFORMED), its routes (R-ROUTES) and its transport (R-TRANSPORT).

"Nothing stored" is the storage half of these checks and is judged by
:func:`~verification.checks.receiver.check_stored`. No deviation quotes the API key.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from ..recorder.store import Exchange
from ..spec.hosts import is_loopback_url
from .failure import NotVerifiable
from .receiver import (
    deviations_for,
    reply,
    require_acknowledged,
    require_no_server_failure,
    require_rejected,
    sent,
)
from .round_trip import acknowledged

__all__ = [
    "check_auth",
    "check_unknown_order",
    "check_malformed",
    "check_routes",
    "check_pvk",
    "check_transport",
    "MIN_TLS",
]

MIN_TLS = ("TLSv1.2", "TLSv1.3")


def _answer_shape(exchange: Exchange) -> tuple[object, ...]:
    """What a reply tells a caller: its status and, for JSON, its members and ``success`` (a trace id that
    differs per request is not a different answer)."""
    body = exchange.json_response()
    if isinstance(body, dict):
        success = next((v for k, v in body.items() if k.lower() == "success"), None)
        return exchange.status, tuple(sorted(k.lower() for k in body)), success
    return exchange.status, exchange.response_body.strip()[:200]


def check_auth(exchanges: Sequence[Exchange], *, control: Exchange | None = None, check_id: str = "R-AUTH") -> None:
    """Callbacks with a missing, empty, wrong, other system's or whitespace-padded ``apiKey`` are all
    rejected, with one and the same answer, so a caller learns nothing about the key (BR-23).

    ``control`` is the same callback with the right key: when it is not acknowledged either, the refusals
    say nothing about the key, and the check is not verifiable."""
    if not exchanges:
        raise NotVerifiable(check_id, "no callback with a bad key was delivered")
    if control is not None and not acknowledged(control):
        raise NotVerifiable(check_id, f"the same callback with the right key was not acknowledged either "
                                      f"({reply(control)}), so the refusals say nothing about the key")
    found = deviations_for(check_id, "replies")
    require_rejected(found, "R-AUTH.1", exchanges)
    shapes = {_answer_shape(exchange) for exchange in exchanges if not exchange.error}
    if len(shapes) > 1:
        seen = "; ".join(f"{ex.meta.get('stimulus', ex.id)} → {reply(ex)}" for ex in exchanges)
        found.check("R-AUTH.2", False, "answers to the bad keys", seen,
                    "the same answer for every bad key (no hint which was wrong)", exchange_id=exchanges[-1].id)
    found.raise_if_any()


def check_unknown_order(exchanges: Sequence[Exchange], *, check_id: str = "R-UNKNOWN-ORDER") -> None:
    """A C1 or C2 with the right key for an order the system never placed (not patient-initiated) is
    answered without a 5xx; its storage half (:func:`~.receiver.check_stored`) is the point: nothing stored.

    The guide says nothing about unknown orders (``success`` is "true if the request was processed
    successfully, otherwise false"), so a 404, ``{"success": false}`` and an acknowledgement that stores
    nothing are all correct designs; eprom-verify recommends a refusal, so that ePROM's operators see it."""
    if not exchanges:
        raise NotVerifiable(check_id, "no callback for an unknown order was delivered")
    found = deviations_for(check_id, "replies")
    require_no_server_failure(found, "R-UNKNOWN-ORDER.1", exchanges)
    found.raise_if_any()


def check_malformed(exchanges: Sequence[Exchange], *, check_id: str = "R-MALFORMED") -> None:
    """Bodies ePROM never sends (invalid JSON, a non-object body, wrong types, missing members, boolean
    enums; C2s without usable ``formData`` or with odd event-log entries; C4s without a valid
    ``nationalId`` or ``id``) are answered without a 5xx, a timeout or a reset (V1.4: "Mål: ingen
    feilsituasjoner eller duplikate meldinger", IntegrasjonVerifikasjon.md:12).

    Which answer is up to the system: none of these can come from ePROM, so the guide says nothing about
    them. eprom-verify recommends a refusal (4xx or ``{"success": false}``); what the check holds the
    system to is the storage half: nothing stored from a body it could not read (C2 without answers)."""
    if not exchanges:
        raise NotVerifiable(check_id, "no malformed callback was delivered")
    found = deviations_for(check_id, "replies")
    require_no_server_failure(found, "R-MALFORMED.1", exchanges)
    found.raise_if_any()


def check_routes(served: Sequence[Exchange], other_methods: Sequence[Exchange], *, check_id: str = "R-ROUTES") -> None:
    """The documented callback paths are served with and without a trailing slash (a redirect is not
    served); any method but PUT on them is answered 404 or 405 (V1.2, Q11)."""
    if not served and not other_methods:
        raise NotVerifiable(check_id, "no request was sent to the callback routes")
    found = deviations_for(check_id, "replies")
    require_acknowledged(found, "R-ROUTES.1", served)
    for exchange in other_methods:
        found.check("R-ROUTES.2", exchange.status in (404, 405), f"{sent(exchange)}: reply", reply(exchange),
                    "HTTP 404 or 405: only PUT is a callback", exchange_id=exchange.id)
    found.raise_if_any()


def check_pvk(accepted: Sequence[Exchange], bad_keys: Sequence[Exchange], *, check_id: str = "R-PVK") -> None:
    """C4 with the key in ``Authorization: Basic <key>`` and each Volven status (RES, IRES, SAM, ISAM) is
    acknowledged; without the header, with an empty or a wrong key it is rejected (BR-23, BR-27)."""
    if not accepted and not bad_keys:
        raise NotVerifiable(check_id, "no privacy-setting callback was delivered")
    found = deviations_for(check_id)
    require_acknowledged(found, "R-PVK.1", accepted)
    require_rejected(found, "R-PVK.2", bad_keys)
    found.raise_if_any()


# -- R-TRANSPORT -----------------------------------------------------------------------------------


def check_transport(
    callback_base_url: str, environment: str, observation: Exchange | None, *, check_id: str = "R-TRANSPORT"
) -> list[str]:
    """Loopback may be plain http; anywhere else https with TLS 1.2 or later and a certificate that
    verifies (BR-20). Plain http off loopback is a warning in ``environment: test`` (returned, the check
    passes) and a failure in ``qa``. ``observation`` is the recorded TLS handshake (https only)."""
    found = deviations_for(check_id)
    scheme = urlsplit(callback_base_url).scheme.lower()
    if scheme == "http":
        if is_loopback_url(callback_base_url):
            return []
        problem = f"plain http on a non-loopback address ({callback_base_url})"
        if environment == "test":
            return [f"{check_id}: {problem}; acceptable in the test environment only, https is required in qa "
                    "and production (BR-20)"]
        found.check("R-TRANSPORT.1", False, "callback_base_url scheme", problem,
                    "https with TLS ≥ 1.2 and a valid certificate")
        found.raise_if_any()
    if observation is None:
        raise NotVerifiable(check_id, "no TLS handshake with the callback base URL was recorded")
    if observation.error:
        found.check("R-TRANSPORT.2", False, "TLS handshake", observation.error, "a completed handshake, TLS ≥ 1.2, "
                    "a certificate that verifies for the host", exchange_id=observation.id)
    else:
        version = observation.meta.get("tls_version")
        found.check("R-TRANSPORT.3", version in MIN_TLS, "negotiated TLS version", version, "TLSv1.2 or TLSv1.3",
                    exchange_id=observation.id)
    found.raise_if_any()
    return []

