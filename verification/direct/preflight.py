"""The pre-flight (P-checks, direct mode): which requests the kit sends to ePROM, and sending them.

:func:`plan_preflight` turns the target into a :class:`PreflightPlan`: the requests (each naming the
checks and parts it serves, and what a correct ePROM answers) and the parts left out, with the reason.
The plan is the same against the simulator and against a real ePROM, except for what the safety rules
forbid toward a real environment (any upstream that is not loopback); those parts are *omitted*, never
sent, and reported as not verifiable:

=====================  =========================================================  ========================
check / part           request (all: E1, a test person, NoDistribution, unless)   a real environment
=====================  =========================================================  ========================
P-FORMS                an order of each configured form                           sent
P-API-KEY accepted     the first of those orders (shared, not sent twice)         sent
P-API-KEY wrong-key    the same order with a deliberately wrong key               sent
P-FORM-CAPS signing    ``mustBeSigned``, rule Basic, for each signing form → order omitted (notifying rule)
P-FORM-CAPS paper      ``PaperOnly`` for each paper form → an order               omitted (no paper rule)
E1-1                   an order of a form the target lists ``published: false``   sent
E1-2                   an order of a fresh random form id                         sent
E1-3                   ``mustBeSigned`` with NoDistribution                       sent
E1-4                   ``mustBeSigned`` + ``onBehalfOfNationalId``, rule Basic    omitted (notifying rule)
E1-5                   ``PaperOnly`` for a form without paper                     omitted (no paper rule)
E1-6                   ``metadata`` that is not JSON                              sent
E1-7 / E1-8            an FH-number / H-number as ``nationalId``                  omitted (test persons only)
=====================  =========================================================  ========================

E1-3 (``mustBeSigned`` with NoDistribution) is refused for any form, so it proves ePROM's rule, never that
a form takes signed orders: that needs an accepted signing order, sent only toward loopback. Every
order expires a day after the run (a NoDistribution order notifies nobody; ePROM may still send the
system a C1 for it, which a correct system rejects as an order it never placed).

:class:`Preflight` sends the plan lazily (only the steps of the cases that run, each once) through
:class:`verification.direct.DirectClient`; :func:`render_plan` prints it, redacted, for ``--dry-run``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import httpx

from ..checks.eprom import expected_text
from ..config import MASK, FormSpec, Target
from .client import FORM_ORDER_PATH, DirectClient, SafetyError, guard_request, redacted_body
from ..recorder.store import Exchange, SessionStore
from ..spec.hosts import is_loopback_url
from ..spec.national_id import synthetic_national_ids

__all__ = [
    "P_CHECKS",
    "WRONG_KEY",
    "Expectation",
    "PlannedRequest",
    "Omission",
    "PreflightPlan",
    "Sent",
    "Preflight",
    "plan_preflight",
    "open_preflight",
    "render_plan",
]

P_CHECKS = ("P-API-KEY", "P-FORMS", "P-FORM-CAPS", "P-DOCUMENTED-ERRORS")
WRONG_KEY = "eprom-verify-deliberately-wrong-key"
SIGNING_TEXT = "eprom-verify pre-flight: signing rule check"
INVALID_METADATA = "{this is not JSON"
ORDER_LIFETIME = timedelta(days=1)
_NO_DISTRIBUTION = "NoDistribution"
_NOTIFYING_RULE = "Basic"  # loopback only: E1-4 needs a rule other than NoDistribution
_PAPER_RULE = "PaperOnly"  # loopback only


@dataclass(frozen=True)
class Expectation:
    """What a correct ePROM answers: an order, a documented error (exact text), or a refused key."""

    outcome: Literal["order", "error", "key-refused"]
    message_id: str = ""
    text: str = ""  # the documented text, placeholders filled; for E1-6 its fixed beginning
    prefix: bool = False

    def describe(self) -> str:
        if self.outcome == "order":
            return "2xx with a non-zero order id"
        if self.outcome == "key-refused":
            return "400 or 401: the wrong key is refused"
        how = "starting with" if self.prefix else "with the text"
        return f"400 {self.message_id} {how} {self.text!r}"


@dataclass(frozen=True)
class PlannedRequest:
    """One request of the pre-flight; ``uses`` lists the (check, part) pairs it serves."""

    name: str
    purpose: str
    body: dict[str, Any]
    expect: Expectation
    uses: tuple[tuple[str, str], ...]
    wrong_key: bool = False
    form: FormSpec | None = None
    method: str = "POST"
    path: str = FORM_ORDER_PATH

    def serves(self, check_id: str, part: str | None = None) -> bool:
        return any(c == check_id and (part is None or p == part) for c, p in self.uses)


@dataclass(frozen=True)
class Omission:
    """A part of a check the plan leaves out; ``applicable=False`` means the target does not need it."""

    check_id: str
    part: str
    reason: str
    applicable: bool = True


@dataclass(frozen=True)
class PreflightPlan:
    requests: tuple[PlannedRequest, ...]
    omissions: tuple[Omission, ...]
    real_environment: bool

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def steps(self, check_id: str, part: str | None = None) -> list[PlannedRequest]:
        return [step for step in self.requests if step.serves(check_id, part)]

    def omission(self, check_id: str, part: str | None = None) -> Omission | None:
        """Why (a part of) a check is left out; a whole-check omission has part ``"*"``."""
        for omitted in self.omissions:
            if omitted.check_id == check_id and omitted.part in ("*", part):
                return omitted
        return None


@dataclass(frozen=True)
class Sent:
    """A planned request and the exchange it became."""

    step: PlannedRequest
    exchange: Exchange


# --- planning -------------------------------------------------------------------------------------------


def plan_preflight(
    target: Target, *, checks: Iterable[str] = P_CHECKS, now: datetime | None = None
) -> PreflightPlan:
    """The pre-flight for ``target``, limited to ``checks`` (the P-check IDs that will run)."""
    planner = _Planner(target, now or datetime.now(timezone.utc))
    planner.plan()
    wanted = set(checks)
    requests = tuple(step for step in planner.requests if any(c in wanted for c, _ in step.uses))
    omissions = tuple(o for o in planner.omissions if o.check_id in wanted)
    return PreflightPlan(requests, omissions, planner.real)


@dataclass
class _Planner:
    target: Target
    now: datetime
    requests: list[PlannedRequest] = field(default_factory=list)
    omissions: list[Omission] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.real = not is_loopback_url(self.target.eprom.upstream or "")
        self.person = self.target.test_persons[0] if self.target.test_persons else None
        self.published = [form for form in self.target.forms if form.published]
        self.unpublished = [form for form in self.target.forms if not form.published]
        self.expiry = (self.now + ORDER_LIFETIME).replace(microsecond=0).isoformat()

    def plan(self) -> None:
        if self.person is None:
            for check_id in P_CHECKS:
                self.omit(check_id, "*", "the target lists no test_persons to order for", applicable=False)
            return
        self.plan_forms_and_key()
        self.plan_signing()
        self.plan_paper()
        self.plan_errors()

    # -- helpers

    def order(self, form_id: str, **changes: Any) -> dict[str, Any]:
        body = {"formId": form_id, "nationalId": self.person, "expiryDate": self.expiry,
                "distributionRule": _NO_DISTRIBUTION}
        return {**body, **changes}

    def add(self, name: str, purpose: str, body: dict[str, Any], expect: Expectation,
            *uses: tuple[str, str], form: FormSpec | None = None, wrong_key: bool = False) -> PlannedRequest:
        step = PlannedRequest(name, purpose, body, expect, tuple(uses), wrong_key, form)
        self.requests.append(step)
        return step

    def omit(self, check_id: str, part: str, reason: str, *, applicable: bool = True) -> None:
        self.omissions.append(Omission(check_id, part, reason, applicable))

    def share(self, step: PlannedRequest, *uses: tuple[str, str]) -> None:
        """Let an already planned request serve more parts (it is sent once)."""
        index = self.requests.index(step)
        self.requests[index] = PlannedRequest(step.name, step.purpose, step.body, step.expect,
                                              step.uses + tuple(uses), step.wrong_key, step.form)

    def error(self, message_id: str, **values: str) -> Expectation:
        return Expectation("error", message_id, expected_text(message_id, **values), prefix=message_id == "E1-6")

    # -- the parts

    def plan_forms_and_key(self) -> None:
        for form in self.published:
            self.add(f"order {form.name}", f"form {form.name} exists and is published", self.order(form.id),
                     Expectation("order"), ("P-FORMS", form.id), form=form)
        for form in self.unpublished:
            self.add(f"order {form.name} (unpublished)", f"form {form.name} exists, unpublished as declared",
                     self.order(form.id), self.error("E1-1"), ("P-FORMS", form.id), form=form)
        first = self.requests[0]
        self.share(first, ("P-API-KEY", "accepted"))
        self.add("wrong key", "a wrong API key is refused", first.body, Expectation("key-refused"),
                 ("P-API-KEY", "wrong-key"), form=first.form, wrong_key=True)
        if self.unpublished:
            self.share(self.requests[len(self.published)], ("P-DOCUMENTED-ERRORS", "E1-1"))
        else:
            self.omit("P-DOCUMENTED-ERRORS", "E1-1", "needs a form that exists but is not published; list one in "
                      "the target's forms with published: false")

    def plan_signing(self) -> None:
        """A form takes signed orders only if ePROM *accepts* one: E1-3 (signing with NoDistribution) is refused
        for any form (signing is decided per order since v13.4, BR-14), so it proves ePROM's rule, not the
        form. The accepted signing order needs a notifying rule: sent toward loopback only."""
        signing = [form for form in self.published if form.signing]
        if not signing:
            self.omit("P-FORM-CAPS", "signing", "no published form of the target declares signing: true",
                      applicable=False)
        elif self.real:
            self.omit("P-FORM-CAPS", "signing", "proving that a form takes signed orders needs an accepted order "
                      "with a notifying rule, which the safety rule forbids toward a real ePROM environment; "
                      "E1-3 (sent) is refused for any form and proves nothing about the form")
        for form in signing if not self.real else ():
            self.add(f"signing {form.name}", f"form {form.name} takes a signing order ({_NOTIFYING_RULE})",
                     self.order(form.id, mustBeSigned=True, signingText=SIGNING_TEXT,
                                distributionRule=_NOTIFYING_RULE),
                     Expectation("order"), ("P-FORM-CAPS", "signing"), form=form)
        if self.published:
            form = signing[0] if signing else self.published[0]
            self.add("E1-3", "mustBeSigned with NoDistribution", self.order(
                form.id, mustBeSigned=True, signingText=SIGNING_TEXT), self.error("E1-3"),
                ("P-DOCUMENTED-ERRORS", "E1-3"), form=form)
        else:
            self.omit("P-DOCUMENTED-ERRORS", "E1-3", "needs a published form; the target lists none")

    def plan_paper(self) -> None:
        paper = [form for form in self.published if form.paper]
        if not paper:
            self.omit("P-FORM-CAPS", "paper", "no published form of the target declares paper: true",
                      applicable=False)
        elif self.real:
            self.omit("P-FORM-CAPS", "paper", "the safety rule forbids paper orders toward a real ePROM "
                      "environment (a paper rule could post a letter)")
        for form in paper if not self.real else ():
            self.add(f"paper {form.name}", f"form {form.name} takes a paper rule ({_PAPER_RULE})",
                     self.order(form.id, distributionRule=_PAPER_RULE), Expectation("order"),
                     ("P-FORM-CAPS", "paper"), form=form)

    def plan_errors(self) -> None:
        unknown = str(uuid.uuid4())
        self.add("E1-2", "an order of a form id that does not exist", self.order(unknown),
                 self.error("E1-2", formId=unknown), ("P-DOCUMENTED-ERRORS", "E1-2"))
        if not self.published:
            for message_id in ("E1-4", "E1-5", "E1-6", "E1-7", "E1-8"):
                self.omit("P-DOCUMENTED-ERRORS", message_id, "needs a published form; the target lists none")
            return
        form = self.published[0]
        self.add("E1-6", "metadata that is not JSON", self.order(form.id, metadata=INVALID_METADATA),
                 self.error("E1-6"), ("P-DOCUMENTED-ERRORS", "E1-6"), form=form)
        if self.real:
            self.omit_real_only_errors()
            return
        self.plan_loopback_errors(form)

    def omit_real_only_errors(self) -> None:
        self.omit("P-DOCUMENTED-ERRORS", "E1-4", "toward a real ePROM environment the kit orders with NoDistribution "
                  "only (safety rule), and with NoDistribution ePROM answers E1-3 first; E1-4 needs a rule that "
                  "would notify the person if ePROM accepted the order")
        self.omit("P-DOCUMENTED-ERRORS", "E1-5", "needs a paper rule, and the safety rule forbids paper rules "
                  "toward a real ePROM environment")
        for message_id, kind in (("E1-7", "an FH-number"), ("E1-8", "an H-number")):
            self.omit("P-DOCUMENTED-ERRORS", message_id, f"needs {kind} as nationalId; toward a real ePROM "
                      "environment only the target's test_persons are used (safety rule)")

    def plan_loopback_errors(self, form: FormSpec) -> None:
        (someone_else,) = synthetic_national_ids(1, seed=7)
        self.add("E1-4", "mustBeSigned on behalf of someone", self.order(
            form.id, mustBeSigned=True, signingText=SIGNING_TEXT, onBehalfOfNationalId=someone_else,
            distributionRule=_NOTIFYING_RULE), self.error("E1-4"), ("P-DOCUMENTED-ERRORS", "E1-4"), form=form)
        no_paper = next((f for f in self.published if not f.paper), None)
        if no_paper is None:
            self.omit("P-DOCUMENTED-ERRORS", "E1-5", "needs a published form without paper; every published form "
                      "of the target declares paper: true")
        else:
            self.add("E1-5", f"a paper rule for form {no_paper.name}, which is not paper-enabled",
                     self.order(no_paper.id, distributionRule=_PAPER_RULE),
                     self.error("E1-5", formId=no_paper.id), ("P-DOCUMENTED-ERRORS", "E1-5"), form=no_paper)
        self.add("E1-7", "an FH-number as nationalId", self.order(form.id, nationalId=_numbered("8")),
                 self.error("E1-7"), ("P-DOCUMENTED-ERRORS", "E1-7"), form=form)
        self.add("E1-8", "an H-number as nationalId", self.order(form.id, nationalId=_numbered("014185")),
                 self.error("E1-8"), ("P-DOCUMENTED-ERRORS", "E1-8"), form=form)


def _numbered(start: str) -> str:
    """The first 11-digit number beginning with ``start`` whose check digits are valid."""
    from stdnum.no import fodselsnummer

    for filler in range(10 ** (9 - len(start))):
        first9 = f"{start}{filler:0{9 - len(start)}d}"
        k1 = fodselsnummer.calc_check_digit1(first9)
        k2 = fodselsnummer.calc_check_digit2(first9 + k1) if len(k1) == 1 else ""
        if len(k1) == 1 and len(k2) == 1:
            return first9 + k1 + k2
    raise ValueError(f"no valid number starts with {start}")


# --- sending --------------------------------------------------------------------------------------------


class Preflight:
    """The plan, sent lazily through the direct client: each request once, only when a case needs it."""

    def __init__(self, plan: PreflightPlan, client: DirectClient, store: SessionStore | None = None):
        self.plan = plan
        self.client = client
        self.store = store
        self._sent: dict[str, Exchange] = {}

    def results(self, check_id: str, part: str | None = None) -> list[Sent]:
        return [Sent(step, self._exchange(step)) for step in self.plan.steps(check_id, part)]

    @property
    def drift(self) -> list[dict[str, Any]]:
        return list(self.client.drift)

    def close(self) -> list[dict[str, Any]]:
        """Close the client; the drift found in ePROM's answers."""
        self.client.close()
        return self.drift

    def _exchange(self, step: PlannedRequest) -> Exchange:
        if step.name not in self._sent:
            key = _wrong_key(self.client.target) if step.wrong_key else None
            meta = {"preflight": step.name, "checks": sorted({c for c, _ in step.uses})}
            drift_before = len(self.client.drift)
            self._sent[step.name] = self.client.send(step.method, step.path, json_body=step.body, api_key=key,
                                                     meta=meta)
            if self.store is not None and len(self.client.drift) > drift_before:
                self.store.set_info("drift", self.client.drift)
        return self._sent[step.name]


def _wrong_key(target: Target) -> str:
    return WRONG_KEY if target.api_key.reveal() != WRONG_KEY else WRONG_KEY + "-2"


def open_preflight(
    target: Target,
    store: SessionStore | None,
    *,
    checks: Sequence[str] = P_CHECKS,
    transport: httpx.BaseTransport | None = None,
) -> Preflight:
    """Plan the pre-flight and build its client; :class:`SafetyError` when a rule forbids it."""
    plan = plan_preflight(target, checks=checks)
    if plan.request_count > target.max_requests:
        raise SafetyError("max-requests", budget_problem(plan, target))
    return Preflight(plan, DirectClient(target, store, transport=transport), store)


def budget_problem(plan: PreflightPlan, target: Target) -> str:
    return (f"the pre-flight needs {plan.request_count} requests and the target allows {target.max_requests} "
            "(max_requests); raise max_requests, list fewer forms, or run part of it with --only P-…")


# --- the dry run ----------------------------------------------------------------------------------------


def render_plan(plan: PreflightPlan, target: Target) -> str:
    """The plan as text, redacted (key ``**********``, national ids masked), for ``run --dry-run``."""
    upstream = target.eprom.upstream or "(no upstream)"
    where = ("a real ePROM environment: test persons only, NoDistribution only, no paper rule"
             if plan.real_environment else "loopback (a simulator on this machine): every documented situation")
    lines = [f"pre-flight plan toward {upstream} ({where})",
             f"{plan.request_count} request(s); at most {target.max_requests} (max_requests)"]
    for number, step in enumerate(plan.requests, 1):
        lines += _render_step(number, step, target, upstream)
    if plan.omissions:
        lines.append("left out:")
        lines += [f"  - {o.check_id} {o.part}: {'not verifiable' if o.applicable else 'not applicable'}: "
                  f"{o.reason}" for o in plan.omissions]
    return "\n".join(lines)


def _render_step(number: int, step: PlannedRequest, target: Target, upstream: str) -> list[str]:
    uses = ", ".join(f"{c} {p}" if c != "P-FORMS" else c for c, p in step.uses)
    try:
        guard_request(target, step.method, step.path, step.body)
        refused = ""
    except SafetyError as exc:
        refused = f"\n     REFUSED: {exc}"
    key = _wrong_key(target) if step.wrong_key else MASK  # the wrong key is no secret: shown
    body = json.dumps(redacted_body(step.body), ensure_ascii=False)
    return [f"  {number}. {step.name} [{uses}] — {step.purpose}",
            f"     {step.method} {upstream}{step.path}",
            f"     Authorization: Basic {key}",
            f"     {body}",
            f"     expect: {step.expect.describe()}{refused}"]
