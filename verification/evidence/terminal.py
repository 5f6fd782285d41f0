"""Redacting what pytest prints: a failure's text is redacted before pytest reports it.

pytest writes a failed case's traceback, its crash message (the ``FAILED …`` summary lines), captured
output and the kit's own failure record to the terminal, JUnit XML and pytest-html, and CI logs keep the
terminal. :func:`redact_report` rewrites those texts in place on the report, so every consumer sees the
redacted text, with the bundle's policy (:mod:`.redact`): credentials masked, national ids as aliases. The
terminal numbers the aliases as the bundle does (the test persons first), and the bundle continues the
terminal's numbering (``write_run_bundle(aliases=…)``), so ``person-2`` is one person everywhere.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .redact import Redactor, session_aliases

__all__ = ["terminal_redactor", "redact_report", "redact_in_place"]


def terminal_redactor(target: Any) -> Redactor:
    """The redactor of what a run against ``target`` prints: its API key and every national id."""
    key = target.api_key.reveal() if getattr(target, "api_key", None) else ""
    return Redactor(secrets=[key] if key else [], aliases=session_aliases({}, target.test_persons))


def redact_report(report: Any, redactor: Redactor) -> None:
    """Redact a pytest report's long representation, sections and failure record in place."""
    report.longrepr = redact_in_place(report.longrepr, redactor)
    report.sections = [(name, redactor.text(text)) for name, text in report.sections]
    failure = getattr(report, "eprom_failure", None)
    if failure:  # as text: the bundle redacts it again field by field (a field *named* apiKey is summarised there)
        report.eprom_failure = redact_in_place(failure, redactor)


def redact_in_place(value: Any, redactor: Redactor) -> Any:
    """Every string inside ``value`` (strings, tuples, lists, dicts, dataclasses such as pytest's
    exception representations) redacted; dataclasses and lists are changed in place."""
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, tuple):
        return tuple(redact_in_place(item, redactor) for item in value)
    if isinstance(value, list):
        value[:] = [redact_in_place(item, redactor) for item in value]
        return value
    if isinstance(value, dict):
        return {key: redact_in_place(item, redactor) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            object.__setattr__(value, field.name, redact_in_place(getattr(value, field.name), redactor))
    return value
