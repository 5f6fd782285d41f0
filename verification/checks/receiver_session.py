"""R-checks over every callback of the session, whoever sent it (the kit's cases or the simulator):
reply shape (R-RESPONSE-SHAPE), latency (R-LATENCY) and leaks (R-NO-LEAK).

Their cases run after every other case (``@pytest.mark.eprom(..., whole_session=True)``), so they judge
all that the session recorded. The kit's hooks into the system (trigger, probe) are instrumentation, not
the system's public face, and are left out.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from ..recorder.store import Exchange
from ..spec.national_id import classify, looks_like_national_id
from ..spec.routes import ends_in_callback_path
from .failure import NotVerifiable
from .receiver import deviations_for, reply, sent, server_failure

__all__ = [
    "system_replies",
    "callbacks",
    "check_response_shape",
    "check_latency",
    "latency_summary",
    "check_no_leak",
    "LEAK_MARKERS",
]

_HOOKS = ("trigger", "probe")

# What a reply must never show: the signs of a stack trace or of the code behind it.
LEAK_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("a source file and line", re.compile(r'File "[^"]+", line \d+')),
    ("a .NET or Java stack frame", re.compile(r"(?m)^\s*at [\w$.`<>\[\]]+[.(]")),
    ("a .NET line number", re.compile(r"\.cs:line \d+|:line \d+\b")),
    ("a Java stack frame", re.compile(r"\.(?:java|kt):\d+\)")),
    # An exception as code prints it: a qualified type (System.NullReferenceException, java.lang.…Error,
    # KeyError(…) as repr'd). A plain "ValidationError: formOrderId is missing" is an error message, not a leak.
    ("a qualified exception type", re.compile(r"\b(?:[A-Za-z_]\w*\.)+[A-Z]\w*(?:Exception|Error)\b")),
    ("an exception object", re.compile(r"\b[A-Z]\w*(?:Exception|Error)\((?:['\"(){\[\\]|\w)")),
    ("a source file path", re.compile(
        r"(?:[A-Za-z]:\\|/)(?:[\w.-]+[\\/])+[\w.-]+\.(?:py|cs|java|kt|js|ts|rb|php|go)\b")),
)
_NATIONAL_ID_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]{11}(?![0-9A-Za-z])")


def system_replies(exchanges: Iterable[Exchange]) -> list[Exchange]:
    """Of a session's exchanges (in recording order), every request to the system but the kit's own hooks."""
    return [ex for ex in exchanges if ex.direction == "to_system" and ex.meta.get("purpose") not in _HOOKS]


def callbacks(exchanges: Iterable[Exchange]) -> list[Exchange]:
    """Every callback delivered to the system (PUT on a documented path), by the kit or the simulator."""
    return [ex for ex in system_replies(exchanges)
            if ex.method == "PUT" and ends_in_callback_path(ex.path)]


# -- R-RESPONSE-SHAPE ------------------------------------------------------------------------------


def _shape_problem(exchange: Exchange) -> str | None:
    """Why a reply is not a JSON object with a boolean ``success`` (for 2xx), or contradicts its status."""
    body = exchange.json_response()
    success = None
    if isinstance(body, dict):
        success = next((v for k, v in body.items() if k.lower() == "success"), None)
    status = exchange.status or 0
    if 200 <= status < 300:
        if not isinstance(body, dict):
            return "the body is not a JSON object"
        if not isinstance(success, bool):
            return f"success is {json.dumps(success)} (missing or not a boolean)"
    elif status >= 400 and success is True:
        return f'HTTP {status} with {{"success": true}}'
    return None


def check_response_shape(exchanges: Iterable[Exchange], *, check_id: str = "R-RESPONSE-SHAPE") -> None:
    """Every callback reply is a JSON object with a boolean ``success``; a refusal never says ``true``
    (V1.2, V3.1). 4xx bodies are otherwise free (ePROM's use of them is UNSPECIFIED); 5xx, timeouts and
    resets are judged by the check of the callback that caused them."""
    judged = [ex for ex in exchanges if not server_failure(ex)]
    if not judged:
        raise NotVerifiable(check_id, "no callback was answered in this session")
    found = deviations_for(check_id)
    for exchange in judged:
        problem = _shape_problem(exchange)
        found.check("R-RESPONSE-SHAPE.1", problem is None, f"{sent(exchange)}: reply", reply(exchange),
                    'a JSON object with a boolean "success"', exchange_id=exchange.id)
    found.raise_if_any()


# -- R-LATENCY -------------------------------------------------------------------------------------


def latency_summary(exchanges: Sequence[Exchange], budget_s: float) -> str:
    """``p50 12 ms, p95 40 ms, slowest 81 ms over 87 callbacks (budget 10 s)``."""
    times = sorted(ex.latency_ms or 0.0 for ex in exchanges if ex.status is not None)  # any HTTP answer
    if not times:
        return f"no callback was answered (budget {budget_s:g} s)"
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return (f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, slowest {times[-1]:.0f} ms "
            f"over {len(times)} callbacks (budget {budget_s:g} s)")


def check_latency(exchanges: Sequence[Exchange], *, budget_s: float, check_id: str = "R-LATENCY") -> str:
    """Every callback answered within ``budget_s`` (V1.4); returns the p50/p95 summary, which a failure
    carries too."""
    if not exchanges:
        raise NotVerifiable(check_id, "no callback was sent in this session")
    summary = latency_summary(exchanges, budget_s)
    found = deviations_for(check_id, summary)
    for exchange in exchanges:
        took = exchange.latency_ms or 0.0
        # Time to an answer: any HTTP answer counts (a redirect or a 5xx is judged by the checks for those);
        # a timeout, a reset or no answer at all does not.
        answered = exchange.status is not None and took <= budget_s * 1000
        what = f"answered after {took / 1000:.2f} s" if exchange.status is not None else exchange.error or "no answer"
        found.check("R-LATENCY.1", answered, f"{sent(exchange)}: time to answer", what,
                    f"an answer within {budget_s:g} s", exchange_id=exchange.id)
    found.raise_if_any()
    return summary


# -- R-NO-LEAK -------------------------------------------------------------------------------------


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _readable(exchange: Exchange) -> str:
    """The reply as text a reader sees: the raw body, and a JSON body's strings unescaped."""
    parsed = exchange.json_response()
    return "\n".join([exchange.response_body, *(_strings(parsed) if parsed is not None else ())])


def _masked(national_id: str) -> str:
    return national_id[:6] + "*****"


def leaks(exchange: Exchange, *, api_key: str) -> list[str]:
    """What the reply gives away: trace markers, the key (described, never quoted), national ids (masked)."""
    text = _readable(exchange)
    found = [name for name, pattern in LEAK_MARKERS if pattern.search(text)]
    headers = " ".join(f"{k}: {v}" for k, v in exchange.response_headers.items())
    if api_key and (api_key in text or api_key in headers):
        found.append("the API key")
    for match in _NATIONAL_ID_RUN.finditer(text + "\n" + headers):
        if looks_like_national_id(match.group()):
            found.append(f"a national id ({classify(match.group()).kind.name.lower()}, {_masked(match.group())})")
    return list(dict.fromkeys(found))


def check_no_leak(exchanges: Iterable[Exchange], *, api_key: str, check_id: str = "R-NO-LEAK") -> None:
    """No reply of the system shows a stack trace or source detail, echoes the API key, or contains a
    national id (security)."""
    replies = [ex for ex in exchanges if ex.status is not None]
    if not replies:
        raise NotVerifiable(check_id, "the system answered nothing in this session")
    found = deviations_for(check_id)
    for exchange in replies:
        shown = leaks(exchange, api_key=api_key)
        found.check("R-NO-LEAK.1", not shown, f"{sent(exchange)}: reply (HTTP {exchange.status})", ", ".join(shown),
                    "no stack trace, no source detail, no API key, no national id", exchange_id=exchange.id)
    found.raise_if_any()
