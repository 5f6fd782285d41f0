"""Norwegian national ids: classification, check digits, and a generator of synthetic ids only.

python-stdnum's ``stdnum.no.fodselsnummer`` is right about the check digits of ordinary numbers and
D-numbers, but rejects the synthetic ranges (Tenor month +80, SyntPop month +65; the documented
verification person ``26670271527`` is SyntPop) and the 2032 rule for the first check digit. We use it
for what it is right about and handle the rest here.

Facts (``CHECKS.md``): weights 3,7,6,1,8,9,4,5,2 (K1) and 5,4,3,2,7,6,5,4,3,2 (K2); remainder 11 → 0,
remainder 10 → never issued. From 2032, K1 may also take remainders 1–3. D-number: first digit +4.
H-number: month +40. FH-number: first digit 8 or 9. ePROM accepts fødselsnummer and D-number only.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "NationalIdKind",
    "NationalIdInfo",
    "classify",
    "check_digits_ok",
    "is_acceptable_for_eprom",
    "looks_like_national_id",
    "synthetic_national_ids",
    "SAMPLE_ID_NEVER_USE",
    "VERIFICATION_PERSON",
]

SAMPLE_ID_NEVER_USE = "26073941651"  # the guide's sample: decodes as an ordinary 1939 birth
VERIFICATION_PERSON = "26670271527"  # the documented synthetic (SyntPop) verification person

_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class NationalIdKind(enum.Enum):
    FODSELSNUMMER = "fødselsnummer"
    D_NUMBER = "D-nummer"
    H_NUMBER = "H-nummer"
    FH_NUMBER = "FH-nummer"
    INVALID = "invalid"


Synthetic = Literal["tenor", "syntpop"] | None


@dataclass(frozen=True)
class NationalIdInfo:
    kind: NationalIdKind
    synthetic: Synthetic = None
    check_digits_ok: bool = False
    k1_rule: Literal["classic", "2032", "none"] = "none"
    reason: str = ""

    @property
    def accepted_by_eprom(self) -> bool:
        return self.check_digits_ok and self.kind in (NationalIdKind.FODSELSNUMMER, NationalIdKind.D_NUMBER)


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(w * int(d) for w, d in zip(weights, digits))


def _k1_rule(number: str) -> Literal["classic", "2032", "none"]:
    # Classic: K1 = 11 - (sum mod 11), 11 → 0 (what stdnum checks). 2032: the weighted sum including K1
    # (weight 1) may leave remainder 0, 1, 2 or 3.
    from stdnum.no import fodselsnummer

    if number[9] == fodselsnummer.calc_check_digit1(number):
        return "classic"
    if (_weighted(number, _K1_WEIGHTS) + int(number[9])) % 11 in (1, 2, 3):
        return "2032"
    return "none"


def check_digits_ok(number: str, *, allow_2032_rule: bool = True) -> bool:
    """Both check digits valid (K2 via stdnum; K1 classic, or the 2032 rule when allowed)."""
    if len(number) != 11 or not number.isdigit():
        return False
    from stdnum.no import fodselsnummer

    if number[10] != fodselsnummer.calc_check_digit2(number):
        return False
    rule = _k1_rule(number)
    return rule == "classic" or (allow_2032_rule and rule == "2032")


def classify(number: object) -> NationalIdInfo:
    """Classify an 11-digit id by its structure; the birth date is deliberately not validated (Q33)."""
    if not isinstance(number, str):
        return NationalIdInfo(NationalIdKind.INVALID, reason=f"not a string but {type(number).__name__}")
    if len(number) != 11 or not number.isdigit():
        return NationalIdInfo(NationalIdKind.INVALID, reason="not exactly 11 digits")
    ok = check_digits_ok(number)
    rule = _k1_rule(number) if number[10].isdigit() else "none"
    day, month = int(number[0:2]), int(number[2:4])
    synthetic: Synthetic = None
    if 81 <= month <= 92:
        synthetic, month = "tenor", month - 80
    elif 66 <= month <= 77:
        synthetic, month = "syntpop", month - 65
    if number[0] in "89":
        kind = NationalIdKind.FH_NUMBER
    elif 41 <= month <= 52:
        kind = NationalIdKind.H_NUMBER
    elif 41 <= day <= 71:
        kind = NationalIdKind.D_NUMBER
    elif 1 <= day <= 31 and 1 <= month <= 12:
        kind = NationalIdKind.FODSELSNUMMER
    else:
        return NationalIdInfo(NationalIdKind.INVALID, synthetic, ok, rule, "day or month out of range")
    reason = "" if ok else "check digits do not match"
    return NationalIdInfo(kind, synthetic, ok, rule if ok else "none", reason)


def is_acceptable_for_eprom(number: object) -> bool:
    """Fødselsnummer or D-number with valid check digits (synthetic ranges allowed), as ePROM takes."""
    return classify(number).accepted_by_eprom


def looks_like_national_id(text: str) -> bool:
    """An 11-digit run with valid check digits of any class: what redaction must hide."""
    return len(text) == 11 and text.isdigit() and check_digits_ok(text)


def _with_check_digits(first9: str) -> str | None:
    from stdnum.no import fodselsnummer

    k1 = fodselsnummer.calc_check_digit1(first9)
    if len(k1) != 1:
        return None
    k2 = fodselsnummer.calc_check_digit2(first9 + k1)
    return None if len(k2) != 1 else first9 + k1 + k2


def synthetic_national_ids(
    count: int, *, d_number: bool = False, source: Literal["tenor", "syntpop"] = "tenor", seed: int = 0
) -> list[str]:
    """``count`` distinct synthetic ids (never a real person's): month +80 (Tenor) or +65 (SyntPop)."""
    rng = random.Random(seed)
    offset = 80 if source == "tenor" else 65
    found: list[str] = []
    while len(found) < count:
        day = rng.randint(1, 28) + (40 if d_number else 0)
        month = rng.randint(1, 12) + offset
        year = rng.randint(0, 99)
        individual = rng.randint(0, 999)
        number = _with_check_digits(f"{day:02d}{month:02d}{year:02d}{individual:03d}")
        if number and number not in found:
            found.append(number)
    return found
