"""What a run prints about its failures: causes first, whole words, and the reproduction as curl.

Plain functions over the plugin's failure records (:func:`~verification.evidence.results.failure_record`) and
the skip reasons, so the terminal section is tested without pytest.

A *cause* is a failed check on the way to a placed order (:data:`ORDER_PATH`) in a run where cases were
not run because no order was placed: that one bug is what the vendor fixes first, so it is printed first,
with the number of cases it kept from running."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["ORDER_PATH", "blocked_by_no_order", "causes_first", "check_line", "wrapped"]

# The sender checks a request must pass before ePROM creates an order, most basic first. When one of them
# fails, every case that needs an order of the system's own is not run.
ORDER_PATH = ("S-AUTH-HEADER", "S-CONTENT-TYPE", "S-ORDER-BODY", "S-ORDER-RULES", "S-ORDER-SENT")
# Skip reasons (scenarios/sender.py, scenarios/receiver.py) of a case that needed an order the system did not place.
_NO_ORDER = ("placed no order", "trigger failed", "no order was created", "trigger answered")
_RECEIVED_LIMIT = 240


def blocked_by_no_order(skip_reasons: Iterable[str]) -> int:
    """How many cases were not run because the system placed no order (or its trigger failed)."""
    return sum(1 for reason in skip_reasons if any(mark in reason for mark in _NO_ORDER))


def causes_first(failures: Sequence[Mapping[str, Any]], blocked: int) -> tuple[list[Mapping[str, Any]], list]:
    """``(causes, the rest)``: the failed order-path checks (most basic first) when cases were blocked."""
    if not blocked:
        return [], list(failures)
    causes = sorted((f for f in failures if f.get("check_id") in ORDER_PATH),
                    key=lambda f: ORDER_PATH.index(f["check_id"]))
    return causes, [f for f in failures if f not in causes]


def check_line(failure: Mapping[str, Any]) -> str:
    """``R-AUTH (R-AUTH.1): sent … — got … — expected …``; long values end at a word, never inside one."""
    first, more = failure["deviations"][0], len(failure["deviations"]) - 1
    rule = f" ({first['rule']})" if first.get("rule") else ""
    received = textwrap.shorten(str(first["received"]), _RECEIVED_LIMIT, placeholder=" …")
    expected = with_authority(str(first["expected"]))
    line = f"{failure['check_id']}{rule}: sent {first['field']} — got {received} — {expected}"
    return line + (f" (+{more} more)" if more else "")


def with_authority(expected: str) -> str:
    """The expected value. Who requires it is in the text itself (the requirement register words a MUST as
    "the guide requires «quote»", advice and contract as eprom-verify's); "the guide" is never added here."""
    return f"expected {expected}"


def wrapped(head: str, text: str, width: int) -> list[str]:
    """``head`` then ``text``, wrapped at word boundaries to ``width`` with a hanging indent."""
    return textwrap.wrap(text, max(width, 60), initial_indent=head, subsequent_indent=" " * min(len(head), 8),
                         break_long_words=False, break_on_hyphens=False) or [head]
