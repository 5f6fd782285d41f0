"""Enumerations of the ePROM API (spec section 4), names and numbers, and the one lenient parser.

ePROM and ordering systems send enum values as names (``"Helsenorge"``), integers (``1``) or numeric
strings (``"0"``) depending on the endpoint and the year (Q06). :func:`parse_enum` accepts all three and
refuses anything else with an :class:`EnumValueError` naming the field and the allowed values.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from ..errors import ContractError

__all__ = [
    "DistributionRule",
    "NotificationChannel",
    "FormOrderStatus",
    "FormOrderStatusErrorCode",
    "SentStatus",
    "PersonvernInnstillingType",
    "PersonvernInnstillingStatus",
    "InstansEndret",
    "VolvenStatus",
    "FormOrderEventType",
    "FilledOutByActType",
    "EnumValueError",
    "parse_enum",
    "PAPER_RULES",
    "C1_STATUSES",
    "C2_STATUSES",
    "CAPABILITIES",
    "wire_name",
]

# What an ordering system can do, as a target file declares it (``bestillersystem.capabilities``).
CAPABILITIES = (
    "formorder",
    "message",
    "personvern",
    "sms",
    "email",
    "signing",
    "on_behalf_of",
    "patient_initiated",
    "paper",
)



class DistributionRule(enum.IntEnum):
    """E1 ``distributionRule`` (4.1); name or number accepted by ePROM, default ``Basic``."""

    Basic = 0
    AllowUnsecure = 1
    NoDistribution = 2
    BasicOrPaper = 3
    AllowUnsecureOrPaper = 4
    PaperOnly = 5
    HelsenorgeOnly = 6
    DigitalMailboxOnly = 7
    UnsecureOnly = 8


class NotificationChannel(enum.IntEnum):
    """Channel used (C1/C2/C3, E3) or preferred (E1 response) (4.2)."""

    None_ = 0
    Helsenorge = 1
    DigitalMailbox = 2
    Unsecure = 3
    PhysicalMailbox = 4


# ``None`` is a keyword-ish builtin name; the member is ``None_`` in Python and ``None`` on the wire.
NotificationChannel.None_._wire_name = "None"  # type: ignore[attr-defined]


class FormOrderStatus(enum.IntEnum):
    """C1/C2 ``formOrderStatus`` (4.3). ``Completed`` is 0: never test it for truthiness (Q18)."""

    Completed = 0
    Expired = 1
    Ordered = 2
    Error = 3
    PhysicalMailReturned = 4
    DigipostDelivered = 5


class FormOrderStatusErrorCode(enum.IntEnum):
    """C1 ``formOrderStatusErrorCode`` (4.4)."""

    None_ = 0
    PatientUnreachable = 1
    SikkerDigitalPostError = 2


FormOrderStatusErrorCode.None_._wire_name = "None"  # type: ignore[attr-defined]


class SentStatus(enum.IntEnum):
    """C3 ``sentStatus`` (4.5)."""

    Sent = 0
    Error = 1


class PersonvernInnstillingType(enum.IntEnum):
    """E6/E7 ``type`` (4.6). ``Tilgangsbegrensning``'s number is UNSPECIFIED; 2 is our reading."""

    Reservasjon = 0
    Samtykke = 1
    Tilgangsbegrensning = 2


class PersonvernInnstillingStatus(enum.IntEnum):
    """E6/E7 ``status`` (4.6); not the Volven codes of C4 (Q34)."""

    IkkeAktiv = 0
    Aktiv = 1


class InstansEndret(enum.IntEnum):
    """E7 response ``instansEndret`` (4.6)."""

    IkkeEndret = 0
    Endret = 1


class VolvenStatus(str, enum.Enum):
    """C4 ``status``: Volven code set 7609 (strings only)."""

    RES = "RES"
    IRES = "IRES"
    SAM = "SAM"
    ISAM = "ISAM"


class FormOrderEventType(str, enum.Enum):
    """C2 ``formOrderEventLog[].eventType`` (4.7; names only)."""

    FormOpened = "FormOpened"
    QuestionAccessed = "QuestionAccessed"
    SigningStarted = "SigningStarted"
    SigningCancelled = "SigningCancelled"
    SigningError = "SigningError"
    SigningCompleted = "SigningCompleted"
    FormDelivered = "FormDelivered"


class FilledOutByActType(str, enum.Enum):
    """C2 ``filledOutBy.filledOutByActType`` (4.7, [HEAD]; names only)."""

    Ukjent = "Ukjent"
    SegSelv = "SegSelv"
    Foreldrerepresentasjon = "Foreldrerepresentasjon"
    Fullmakt = "Fullmakt"


PAPER_RULES = frozenset(
    {DistributionRule.BasicOrPaper, DistributionRule.AllowUnsecureOrPaper, DistributionRule.PaperOnly}
)
C1_STATUSES = frozenset(
    {
        FormOrderStatus.Ordered,
        FormOrderStatus.Error,
        FormOrderStatus.PhysicalMailReturned,
        FormOrderStatus.DigipostDelivered,
    }
)
C2_STATUSES = frozenset({FormOrderStatus.Completed, FormOrderStatus.Expired})

E = TypeVar("E", bound=enum.Enum)


class EnumValueError(ContractError):
    """A value that is no member of the enum; names the field and the allowed values."""

    def __init__(self, field: str, value: object, enum_cls: type[enum.Enum]):
        self.field = field
        self.value = value
        self.allowed = allowed_values(enum_cls)
        super().__init__(f"{field}: {value!r} is not a valid {enum_cls.__name__}; allowed: {self.allowed}")


def wire_name(member: enum.Enum) -> str:
    """The member's name as it travels (``None`` rather than ``None_``)."""
    return getattr(member, "_wire_name", member.name)


def allowed_values(enum_cls: type[enum.Enum]) -> str:
    if issubclass(enum_cls, int):
        return ", ".join(f"{wire_name(m)} ({int(m)})" for m in enum_cls)  # type: ignore[call-overload]
    return ", ".join(wire_name(m) for m in enum_cls)


def parse_enum(enum_cls: type[E], value: object, *, field: str) -> E:
    """Map a name (any casing), an integer or a numeric string to a member of ``enum_cls``."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, bool):  # bool is an int subclass; True is not Helsenorge
        raise EnumValueError(field, value, enum_cls)
    numeric = issubclass(enum_cls, int)
    if isinstance(value, int) and numeric:
        try:
            return enum_cls(value)
        except ValueError:
            raise EnumValueError(field, value, enum_cls) from None
    if isinstance(value, str):
        text = value.strip()
        if numeric and text.lstrip("-").isdigit():
            return parse_enum(enum_cls, int(text), field=field)
        for member in enum_cls:
            if wire_name(member).lower() == text.lower():
                return member
    raise EnumValueError(field, value, enum_cls)
