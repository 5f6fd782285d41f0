"""Settings of the embedded ePROM simulator: the register, the forms, the key, where callbacks go.

Everything the simulator decides where the guide is silent (UNSPECIFIED) is a setting here, so a test
can choose the other reading:

- **Who exists.** ``population`` is the person register. An id listed with ``exists=False``, or an
  ordinary (non-synthetic) id that is not listed, does *not* exist: E1 answers the all-zero ``id``
  (the guide's "nummer finnes ikke"), E3 answers ``notificationChannel "0"``. A *synthetic* id (Tenor
  month +80, SyntPop month +65) with valid check digits that is not listed gets ``default_person``
  (exists, reachable on Helsenorge only), because the kit generates synthetic ids and expects orders.
  ``unknown_ids_exist=True`` extends ``default_person`` to every id with valid check digits;
  ``default_person=None`` makes every unlisted id unknown.
- **Reachability** (BR-08): ``Person.helsenorge`` needs ``consent`` (consent level "Full") as well;
  ``paper_address`` stands for the address in Folkeregisteret (an order's ``physicalAddress`` also makes
  paper reachable).
- **Retries** (UNSPECIFIED): ``retry``. The guide documents no re-delivery of C1, C3 or C4; the v12.1
  release notes say a form answer (C2) that was not delivered is re-sent "after some interval". So by
  default only C2 is retried (``retry.callbacks``), twice, 2 s and then 5 s later (the kit's choice: the
  real interval is unknown and probably longer, but a session must stay bounded); every other callback is
  sent once. A delivery counts as failed on a non-2xx status, a body that is not ``{"success": true}``
  (missing ``success`` counts as false), a timeout or a connection error. The kit never lets a verdict
  rest on a retry: checks judge each attempt, the first one included.
- **The order's own C1** (``c1_delivery``, read when the E1 arrives): ``"send"`` (default) delivers it
  after E1's answer; ``"withhold"`` leaves it to the kit, which then plays ePROM's single C1 for that
  order with the status, channel or error code a check is about (one C1 per order, flow 1.2);
  ``"before_answer"`` sends it first and holds E1's answer until that C1 was answered (at most 1 s), as
  when ePROM's C1 overtakes its own answer on the way to the system.
- **The letter's own C3** (``c3_delivery``, read when the E3 arrives): ``"send"`` (default) delivers it
  after E3's answer; ``"withhold"`` leaves the letter's one C3 (``Sent`` or ``Error``) to the kit.
- **Callback key** (C1–C3 ``apiKey``; examples show ``""``): ``callback_api_key`` ``"system"`` (default,
  the best reading: the ordering system's own key) or ``"empty"``. C4 carries ``Authorization: Basic <key>``.
- **Enums on the wire**: ``enum_style`` ``"name"`` (every [5567066] example), ``"head"`` (as documented at
  [HEAD] since 2026-05-15: C1 ``notificationChannel`` and C3 ``notificationChannel``/``sentStatus`` as
  integers, statuses still names) or ``"int"`` (every enum an integer, callbacks and answers alike).
- **Error bodies** (envelope UNSPECIFIED): ``error_envelope`` ``"json-string"`` (default: the message as a
  bare JSON string, as ASP.NET's ``BadRequest("…")`` writes it), ``"message-object"`` (``{"Message": …}``,
  ASP.NET Web API 2) or ``"text"`` (``text/plain``). ``error_texts`` overrides Appendix C texts by id.
- **Bad key on E1/E2** (UNSPECIFIED): ``auth_failure_status`` (401).
- **Form-level signing** (before v13.4 a form could demand a signature): ``form_level_signing=True``
  makes ``Form.signing`` count as "signing required" for E1-3/E1-4; by default only ``mustBeSigned`` does
  (v13.4: signing is decided per order). Whether a *patient-initiated* order of the form must be signed
  ("Skjema bestilt av pasient må signeres") is a separate setting, ``Form.patient_signing``; since
  2025-09-19 it no longer needs "Signering støttes" (``Form.signing``).
- **A newer ePROM** (drift tests): ``answer_overrides`` are members merged into every E1 answer, added or
  replacing (an unknown member, an enum value the guide does not list, a name turned into an integer);
  a runtime change replaces the whole mapping.
- **Other systems' keys**: ``other_api_keys`` are valid keys of *other* ordering systems. ePROM accepts
  them, but their callbacks go to those systems: an order placed with one never reaches
  ``callback_base_url`` (a realistic misconfiguration), and the exchange carries a finding.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from ..errors import UsageError

__all__ = [
    "Person",
    "Form",
    "RetryPolicy",
    "SimulatorSettings",
    "DEFAULT_PERSON",
    "EVERY_CHANNEL",
    "SettingsError",
]


class SettingsError(UsageError, ValueError):
    """A settings document or a runtime change that the simulator cannot take."""


@dataclass(frozen=True)
class Person:
    """One entry of the simulated person register, with the channels the person can be reached on."""

    exists: bool = True
    helsenorge: bool = True
    digital_mailbox: bool = True
    unsecure: bool = True  # e-mail or mobile number in the contact register
    paper_address: bool = True  # address in Folkeregisteret
    consent: bool = True  # Helsenorge consent level "Full"


EVERY_CHANNEL = Person()
DEFAULT_PERSON = Person(helsenorge=True, digital_mailbox=False, unsecure=False, paper_address=False)
# Persons the guide names, who exist in ePROM's test environment whatever the population says (unless it
# lists them otherwise): the verification person of IntegrasjonVerifikasjon at the seed's commit 5567066
# ("Pnr: 01039494104", upstream/IntegrasjonVerifikasjon.md:52; consented on Helsenorge in test and QA).
DOCUMENTED_PERSONS: dict[str, Person] = {"01039494104": DEFAULT_PERSON}


@dataclass(frozen=True)
class Form:
    """A form in the simulated form builder."""

    name: str
    published: bool = True
    paper: bool = False
    signing: bool = False  # "Signering støttes": orders of the form may be signed
    patient_orderable: bool = False
    patient_signing: bool = False  # "Skjema bestilt av pasient må signeres": a separate setting


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded re-delivery of a callback."""

    attempts: int = 3
    backoff_s: tuple[float, ...] = (2.0, 5.0)  # short, so that a session stays bounded (the real one: UNSPECIFIED)
    timeout_s: float = 10.0
    callbacks: tuple[str, ...] = ("C2",)  # the callbacks retried at all; every other one is sent once

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.timeout_s <= 0 or any(b < 0 for b in self.backoff_s):
            raise SettingsError(f"retry policy out of range: {self}")
        if not set(self.callbacks) <= {"C1", "C2", "C3", "C4"}:
            raise SettingsError(f"retry.callbacks: only C1, C2, C3, C4, got {list(self.callbacks)}")

    def attempts_for(self, callback: str) -> int:
        """How many times ``callback`` is tried at most: ``attempts`` if it is retried, else once."""
        return self.attempts if callback in self.callbacks else 1

    def backoff_before(self, attempt: int) -> float:
        """Seconds to wait before try number ``attempt`` (2, 3, …)."""
        if not self.backoff_s:
            return 0.0
        return self.backoff_s[min(attempt - 2, len(self.backoff_s) - 1)]

    def worst_case_s(self, callback: str = "C2") -> float:
        """Upper bound of one delivery of ``callback`` with every try timing out."""
        attempts = self.attempts_for(callback) if callback in ("C1", "C2", "C3", "C4") else self.attempts
        return attempts * self.timeout_s + sum(self.backoff_before(n) for n in range(2, attempts + 1))


EnumStyleSetting = Literal["name", "head", "int"]
ErrorEnvelope = Literal["json-string", "message-object", "text"]
_CHOICES = {
    "enum_style": ("name", "head", "int"),
    "error_envelope": ("json-string", "message-object", "text"),
    "callback_api_key": ("system", "empty"),
    "letter_callback_shape": ("message", "formorder"),
    "c1_delivery": ("send", "withhold", "before_answer"),
    "c3_delivery": ("send", "withhold"),
}


@dataclass(frozen=True)
class SimulatorSettings:
    """Everything the simulator needs; serialisable to JSON to reach the child process."""

    api_key: str
    callback_base_url: str
    other_api_keys: tuple[str, ...] = ()
    population: Mapping[str, Person] = field(default_factory=dict)
    forms: Mapping[str, Form] = field(default_factory=dict)
    default_person: Person | None = DEFAULT_PERSON
    unknown_ids_exist: bool = False
    retry: RetryPolicy = RetryPolicy()
    callback_delay_s: float = 0.0
    c1_delivery: Literal["send", "withhold", "before_answer"] = "send"
    c3_delivery: Literal["send", "withhold"] = "send"
    callback_api_key: Literal["system", "empty"] = "system"
    enum_style: EnumStyleSetting = "name"
    letter_callback_shape: Literal["message", "formorder"] = "message"
    error_envelope: ErrorEnvelope = "json-string"
    error_texts: Mapping[str, str] = field(default_factory=dict)
    auth_failure_status: int = 401
    form_level_signing: bool = False
    login_url_base: str | None = None
    answer_overrides: Mapping[str, Any] = field(default_factory=dict)
    store_path: str | None = None
    session: str = ""

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise SettingsError(f"{name}: {getattr(self, name)!r} is not one of {allowed}")
        if not self.callback_base_url.startswith(("http://", "https://")):
            raise SettingsError(f"callback_base_url must start with http:// or https://: {self.callback_base_url!r}")
        if self.callback_delay_s < 0:
            raise SettingsError("callback_delay_s must not be negative")
        # GUIDs compare case-insensitively; keep the register keys canonical.
        object.__setattr__(self, "forms", {key.lower(): form for key, form in self.forms.items()})

    @property
    def status_style(self) -> Literal["name", "int"]:
        """How status-like enums travel (C1/C2 statuses, C2 channel, answers)."""
        return "int" if self.enum_style == "int" else "name"

    @property
    def channel_style(self) -> Literal["name", "int"]:
        """How C1's channel and C3's channel/status travel ([HEAD] made these integers)."""
        return "name" if self.enum_style == "name" else "int"

    # --- serialisation -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["other_api_keys"] = list(self.other_api_keys)
        data["retry"]["backoff_s"] = list(self.retry.backoff_s)
        data["retry"]["callbacks"] = list(self.retry.callbacks)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimulatorSettings:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingsError(f"unknown simulator settings: {sorted(unknown)}")
        values = dict(data)
        for key, convert in _CONVERTERS.items():
            if key in values:
                values[key] = convert(values[key])
        try:
            return cls(**values)
        except TypeError as exc:
            raise SettingsError(str(exc)) from None

    @classmethod
    def from_json(cls, text: str) -> SimulatorSettings:
        return cls.from_dict(json.loads(text))

    def with_changes(self, changes: Mapping[str, Any]) -> SimulatorSettings:
        """A copy with ``changes`` applied; ``population``, ``forms`` and ``error_texts`` are merged."""
        merged = self.to_dict()
        for key, value in changes.items():
            if key in ("population", "forms", "error_texts") and isinstance(value, Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return SimulatorSettings.from_dict(merged)

    def redacted(self) -> dict[str, Any]:
        """The settings without keys, for admin answers and logs."""
        data = self.to_dict()
        data["api_key"] = "**********"
        data["other_api_keys"] = ["**********" for _ in self.other_api_keys]
        return data

    # --- from the target file ------------------------------------------------------------------

    @classmethod
    def from_target(cls, target: Any, *, store_path: str | None = None, **overrides: Any) -> SimulatorSettings:
        """Settings for a ``verification.config.Target``: its key, callback base URL, forms and test
        persons (reachable on every channel). Target forms are patient-orderable in the simulator, so the
        simulated citizen can start any of them; whether that case runs is the kit's decision."""
        forms = {
            spec.id: Form(
                name=spec.name, published=spec.published, paper=spec.paper, signing=spec.signing,
                patient_orderable=True,
            )
            for spec in target.forms
        }
        population = {national_id: EVERY_CHANNEL for national_id in target.test_persons}
        return cls(
            api_key=target.api_key.reveal(),
            callback_base_url=target.bestillersystem.callback_base_url,
            forms=forms,
            population=population,
            store_path=store_path,
            **overrides,
        )


def _person(value: Any) -> Person:
    return value if isinstance(value, Person) else Person(**value)


def _form(value: Any) -> Form:
    return value if isinstance(value, Form) else Form(**value)


def _retry(value: Any) -> RetryPolicy:
    if isinstance(value, RetryPolicy):
        return value
    value = dict(value)
    for key in ("backoff_s", "callbacks"):
        if key in value:
            value[key] = tuple(value[key])
    return RetryPolicy(**value)


def _checked(convert: Any) -> Any:
    def wrapper(value: Any) -> Any:
        try:
            return convert(value)
        except TypeError as exc:
            raise SettingsError(str(exc)) from None

    return wrapper


_CONVERTERS = {
    "population": _checked(lambda v: {str(k): _person(p) for k, p in v.items()}),
    "forms": _checked(lambda v: {str(k): _form(f) for k, f in v.items()}),
    "default_person": _checked(lambda v: None if v is None else _person(v)),
    "retry": _checked(_retry),
    "other_api_keys": _checked(tuple),
    "error_texts": _checked(dict),
    "answer_overrides": _checked(dict),
}

