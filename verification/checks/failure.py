"""The one failure type of every check, and the collector that lets a check report all deviations at once.

A check is a plain function over recorded exchanges (and probe answers) that returns ``None`` or raises
:class:`CheckFailure`. A part that cannot be judged (no probe, no trigger, event not yet arrived) raises
:class:`NotVerifiable`; it is reported with its reason, never silently passed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import CheckOutcome, ExitCode
from ..spec.requirements import requirement

__all__ = ["Deviation", "CheckFailure", "NotVerifiable", "Waiting", "Deviations", "Severity", "Advice", "strict"]

STRICT_VARIABLE = "EPROM_VERIFY_STRICT"  # "1": advice fails the check (``--eprom-strict``)


def strict() -> bool:
    """Whether advice (the kit's own SHOULD rules, beyond the guide) fails checks in this run."""
    return os.environ.get(STRICT_VARIABLE, "") not in ("", "0")


class Advice(UserWarning):
    """eprom-verify recommends something the guide does not require: reported, never a failure unless strict."""

Severity = Literal["critical", "major", "minor", "warning"]


@dataclass(frozen=True)
class Deviation:
    """One difference between what came back and what a requirement of the register asks for."""

    field: str
    received: Any
    expected: Any
    rule: str = ""  # the requirement ID (its check's requirements in spec/checklist.yaml)
    exchange_id: int | None = None

    def render(self) -> str:
        where = f" [exchange #{self.exchange_id}]" if self.exchange_id else ""
        rule = f" ({self.rule})" if self.rule else ""
        return f"{self.field}{rule}: received {_short(self.received)}; expected {self.expected}{where}"


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


class CheckFailure(CheckOutcome, AssertionError):
    """A check failed; carries every deviation found (an ``AssertionError`` so pytest reports it as such)."""

    def __init__(
        self,
        *,
        check_id: str,
        title: str,
        deviations: list[Deviation],
        severity: Severity = "major",
    ):
        self.check_id = check_id
        self.title = title
        self.deviations = list(deviations)
        self.severity = severity
        lines = [f"{check_id}: {title} — {len(self.deviations)} deviation(s)"]
        lines += [f"  - {d.render()}" for d in self.deviations]
        super().__init__("\n".join(lines))

    @property
    def exchange_ids(self) -> list[int]:
        return [d.exchange_id for d in self.deviations if d.exchange_id]


class NotVerifiable(CheckOutcome):
    """The check (or a part of it) cannot be judged with what the target provides; ``reason`` says why."""

    exit_code = ExitCode.OK  # an open item, not a failure: the verdict says incomplete (--require complete: 1)

    def __init__(self, check_id: str, reason: str):
        self.check_id = check_id
        self.reason = reason
        super().__init__(f"{check_id}: not verifiable: {reason}")


class Waiting(CheckOutcome):
    """The events the check needs have not been recorded yet (relay sessions judged while in progress)."""

    exit_code = ExitCode.OK  # an open item, like NotVerifiable

    def __init__(self, check_id: str, reason: str):
        self.check_id = check_id
        self.reason = reason
        super().__init__(f"{check_id}: waiting: {reason}")


@dataclass
class Deviations:
    """Collects deviations, then fails once listing them all (Tavern's habit).

    Every assertion is :meth:`check` with a requirement ID of this check (``R-AUTH.1`` for ``R-AUTH``): the
    requirement register (its check's ``requirements`` in ``spec/checklist.yaml``) says whether a deviation fails the check (MUST,
    CONTRACT) or is advice (SHOULD), and what it quotes. The title comes from the checklist data."""

    check_id: str
    part: str = ""  # which part of the check ("replies", "stored part (probe)"), shown after the title
    severity: Severity = "major"
    found: list[Deviation] = field(default_factory=list)
    advice: list[Deviation] = field(default_factory=list)  # "eprom-verify recommends": never fails unless strict

    @property
    def title(self) -> str:
        from ..spec.checklist import item

        title = item(self.check_id).title
        return f"{title} — {self.part}" if self.part else title

    def check(self, requirement_id: str, condition: bool, field_: str, received: Any, expected: Any, *,
              exchange_id: int | None = None) -> bool:
        """Record a deviation from ``requirement_id`` unless ``condition`` holds; returns ``condition``."""
        entry = requirement(requirement_id)
        if entry.owner != self.check_id:
            raise ValueError(f"{requirement_id} belongs to {entry.owner}, not to {self.check_id}")
        if not condition:
            deviation = Deviation(field_, received, entry.expectation(expected), requirement_id, exchange_id)
            (self.found if entry.fails else self.advice).append(deviation)
        return condition

    def raise_if_any(self) -> None:
        if self.advice and strict():
            self.found += self.advice
            self.advice = []
        for advice in self.advice:
            warnings.warn(Advice(f"{self.check_id}: {advice.render()}"), stacklevel=2)
        self.advice = []
        if self.found:
            raise CheckFailure(
                check_id=self.check_id, title=self.title, deviations=self.found, severity=self.severity
            )

    @contextmanager
    def collecting(self) -> Iterator[Deviations]:
        yield self
        self.raise_if_any()
