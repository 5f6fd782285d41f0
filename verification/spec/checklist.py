"""The verification checklist and the catalogue of checks, as data (``checklist.yaml`` next to this module).

One entry per checklist item of spec section 6 (``V1.2``, ``S-SIGN.3``, …) and per catalogue check of
CHECKS.md (``R-STATUS-ORDERED``, ``S-ORDER-BODY``, ``P-FORMS``, …). IDs are frozen. The file is read and
validated once, on first use (:func:`load_checklist`), never at import time.

Exceptions::

    ValueError
    └── ChecklistError      the file is malformed; names the entry and the field
    KeyError                :func:`item` with an unknown ID
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any
from ..errors import ContractError
from .enums import CAPABILITIES

__all__ = [
    "ChecklistError",
    "ChecklistItem",
    "CHECKLIST_PATH",
    "safe_load",
    "KINDS",
    "VERIFIED_BY",
    "CAPABILITIES",
    "load_checklist",
    "read_checklist",
    "parse_checklist",
    "item",
    "checklist_items",
    "catalogue_checks",
    "ids_without_cases",
    "to_table",
    "to_json",
]

CHECKLIST_PATH = Path(__file__).with_name("checklist.yaml")

KINDS = ("checklist", "check")
VERIFIED_BY = ("automatic", "simulator", "human")
CHECKLIST_AREAS = (
    "Verifisering av integrasjoner i testmiljø",  # the page's preamble, V0 only
    "1) Bestilling av skjema",
    "2) Utfylling av skjema",
    "3) Retur av skjema til bestillersystemet",
    "Spesialtilfeller",
)
# A check's area follows from its ID prefix (CHECKS.md sections R, S, P).
CHECK_AREAS = {"R": "receiver", "S": "sender", "P": "eprom"}
# Business rules of spec section 5 (BR-01 … BR-29): checks may prove them, they have no entries of their own.
BUSINESS_RULES = frozenset(f"BR-{n:02d}" for n in range(1, 30))

_CHECKLIST_ID = re.compile(r"V\d+(\.\d+)?|S-[A-Z]+(\.\d+)?")
_CHECK_ID = re.compile(r"[RSP](-[A-Z0-9]+)+")

_REQUIRED = ("id", "kind", "area", "title", "requirement_no", "requirement_en", "verified_by", "spec_ref")
_CHECK_ONLY = ("proves", "basis", "stimulus", "pass")
_OPTIONAL = ("capability", "parent", "note", "requirements")  # requirements: spec/requirements.py
_KNOWN_KEYS = frozenset(_REQUIRED + _CHECK_ONLY + _OPTIONAL)

# Builds the error for one entry from (field, problem).
_Fail = Callable[[str, str], "ChecklistError"]


class ChecklistError(ContractError):
    """The checklist file is malformed; ``entry`` and ``field`` say where."""

    def __init__(self, source: str, entry: str, field: str, problem: str) -> None:
        self.source, self.entry, self.field, self.problem = source, entry, field, problem
        super().__init__(f"{source}: entry {entry}, field {field!r}: {problem}")


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item or catalogue check. ``pass_criterion`` is the file's ``pass`` key."""

    id: str
    kind: str
    area: str
    title: str
    requirement_no: str
    requirement_en: str
    verified_by: tuple[str, ...]
    spec_ref: str
    proves: tuple[str, ...] = ()
    basis: str = ""
    stimulus: str = ""
    pass_criterion: str = ""
    capability: tuple[str, ...] = ()  # the entry applies when the target declares any of these
    parent: str | None = None
    note: str = ""

    @property
    def is_check(self) -> bool:
        return self.kind == "check"

    def as_dict(self) -> dict[str, Any]:
        """The entry in the file's vocabulary (``pass``, lists for the tuple fields)."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "area": self.area,
            "title": self.title,
            "requirement_no": self.requirement_no,
            "requirement_en": self.requirement_en,
            "verified_by": list(self.verified_by),
            "spec_ref": self.spec_ref,
            "capability": list(self.capability),
            "parent": self.parent,
            "note": self.note,
        }
        if self.is_check:
            data |= {
                "proves": list(self.proves),
                "basis": self.basis,
                "stimulus": self.stimulus,
                "pass": self.pass_criterion,
            }
        return data


# --- loading ---------------------------------------------------------------------------------------------


@functools.cache
def load_checklist() -> tuple[ChecklistItem, ...]:
    """Every entry of the packaged ``checklist.yaml``, in file order; read and validated once."""
    return read_checklist(CHECKLIST_PATH)


def read_checklist(path: Path | str) -> tuple[ChecklistItem, ...]:
    """Read and validate a checklist file (uncached; for tests and tools)."""
    path = Path(path)
    return parse_checklist(path.read_text(encoding="utf-8"), source=path.name)


def parse_checklist(text: str, *, source: str = "checklist.yaml") -> tuple[ChecklistItem, ...]:
    """Parse and validate checklist YAML text; raises :class:`ChecklistError`."""
    document = _load_yaml(text, source)
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ChecklistError(source, "(file)", "items", "the file must be a mapping with a list 'items'")
    items = tuple(_entry(raw, index, source) for index, raw in enumerate(document["items"], start=1))
    _check_references(items, source)
    return items


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, with libyaml's loader where PyYAML was built with it (ten times faster)."""
    import yaml  # deferred: keeps importing this module cheap

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def _load_yaml(text: str, source: str) -> Any:
    import yaml

    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(source, "(file)", "(yaml)", f"not valid YAML: {exc}") from None


def _entry(raw: Any, index: int, source: str) -> ChecklistItem:
    label = f"#{index}"
    if not isinstance(raw, dict):
        raise ChecklistError(source, label, "(entry)", "must be a mapping")
    if isinstance(raw.get("id"), str) and raw["id"]:
        label = repr(raw["id"])

    def fail(field: str, problem: str) -> ChecklistError:
        return ChecklistError(source, label, field, problem)

    _check_common_fields(raw, fail)
    _check_kind_fields(raw, fail)
    return ChecklistItem(
        id=raw["id"],
        kind=raw["kind"],
        area=raw["area"],
        title=raw["title"],
        requirement_no=raw["requirement_no"],
        requirement_en=raw["requirement_en"],
        verified_by=_names(raw["verified_by"], VERIFIED_BY, "verified_by", fail, allow_empty=False),
        spec_ref=raw["spec_ref"],
        proves=_names(raw.get("proves", []), None, "proves", fail, allow_empty=True),
        basis=raw.get("basis", ""),
        stimulus=raw.get("stimulus", ""),
        pass_criterion=raw.get("pass", ""),
        capability=_names(raw.get("capability", []), CAPABILITIES, "capability", fail, allow_empty=True),
        parent=raw.get("parent"),
        note=raw.get("note", ""),
    )


def _check_common_fields(raw: dict[str, Any], fail: _Fail) -> None:
    """No unknown keys; the fields every entry has are present, text fields are strings."""
    unknown = sorted(set(raw) - _KNOWN_KEYS, key=str)
    if unknown:
        raise fail(str(unknown[0]), "unknown key")
    for field in _REQUIRED:
        if field not in raw:
            raise fail(field, "required field missing")
    for field in (*_REQUIRED, *_CHECK_ONLY, "parent", "note"):
        if field in raw and field not in ("verified_by", "proves") and not isinstance(raw[field], str):
            raise fail(field, f"must be a string, got {type(raw[field]).__name__}")
    for field in ("id", "title", "area", "requirement_en", "spec_ref"):
        if not raw[field].strip():
            raise fail(field, "must not be empty")
    if raw["kind"] not in KINDS:
        raise fail("kind", f"{raw['kind']!r} is not one of {', '.join(KINDS)}")


def _check_kind_fields(raw: dict[str, Any], fail: _Fail) -> None:
    """The ID pattern, area and fields that depend on whether the entry is a checklist item or a check."""
    entry_id, area = raw["id"], raw["area"]
    if raw["kind"] == "checklist":
        if not _CHECKLIST_ID.fullmatch(entry_id):
            raise fail("id", "a checklist ID looks like V1.2 or S-SIGN.3")
        if area not in CHECKLIST_AREAS:
            raise fail("area", f"{area!r} is not one of {', '.join(map(repr, CHECKLIST_AREAS))}")
        if not raw["requirement_no"].strip():
            raise fail("requirement_no", "a checklist item quotes the guide's Norwegian text")
        for field in _CHECK_ONLY:
            if field in raw:
                raise fail(field, "only checks have this field")
        return
    if not _CHECK_ID.fullmatch(entry_id):
        raise fail("id", "a check ID looks like R-STATUS-ORDERED, S-ORDER-BODY or P-FORMS")
    expected_area = CHECK_AREAS[entry_id[0]]
    if area != expected_area:
        raise fail("area", f"{area!r}: a {entry_id[0]}- check has area {expected_area!r}")
    for field in ("proves", "stimulus", "pass"):
        if field not in raw:
            raise fail(field, "required field missing")
    for field in ("stimulus", "pass"):
        if not raw[field].strip():
            raise fail(field, "must not be empty")
    if "parent" in raw:
        raise fail("parent", "only checklist items have a parent")
    if not raw["proves"] and not raw.get("basis", "").strip():
        raise fail("proves", "a check proves items or rules, or states its basis")


def _names(
    value: Any, allowed: tuple[str, ...] | None, field: str, fail: _Fail, *, allow_empty: bool
) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple; each in ``allowed`` (when given), no duplicates."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise fail(field, "must be a string or a list of strings")
    if not names and not allow_empty:
        raise fail(field, "must not be empty")
    for name in names:
        if allowed is not None and name not in allowed:
            raise fail(field, f"{name!r} is not one of {', '.join(allowed)}")
    if len(set(names)) != len(names):
        raise fail(field, "lists a value twice")
    return tuple(names)


def _check_references(items: tuple[ChecklistItem, ...], source: str) -> None:
    """Unique IDs; ``proves`` names checklist items or BR rules; ``parent`` names a checklist item."""
    kinds: dict[str, str] = {}
    for entry in items:
        if entry.id in kinds:
            raise ChecklistError(source, repr(entry.id), "id", "duplicate ID")
        kinds[entry.id] = entry.kind
    for entry in items:
        for target in entry.proves:
            if target not in BUSINESS_RULES and kinds.get(target) != "checklist":
                raise ChecklistError(
                    source, repr(entry.id), "proves", f"{target!r} is neither a checklist item nor a BR-xx rule"
                )
        if entry.parent is not None and kinds.get(entry.parent) != "checklist":
            raise ChecklistError(source, repr(entry.id), "parent", f"{entry.parent!r} is not a checklist item")


# --- lookup ----------------------------------------------------------------------------------------------


@functools.cache
def _index() -> dict[str, ChecklistItem]:
    return {entry.id: entry for entry in load_checklist()}


def item(item_id: str) -> ChecklistItem:
    """The entry with this ID; ``KeyError`` naming the ID when there is none."""
    try:
        return _index()[item_id]
    except KeyError:
        raise KeyError(f"no checklist item or check with ID {item_id!r} in {CHECKLIST_PATH.name}") from None


def checklist_items() -> tuple[ChecklistItem, ...]:
    """The items of the verification checklist (spec section 6)."""
    return tuple(entry for entry in load_checklist() if entry.kind == "checklist")


def catalogue_checks() -> tuple[ChecklistItem, ...]:
    """The kit's catalogue checks (CHECKS.md)."""
    return tuple(entry for entry in load_checklist() if entry.kind == "check")


def ids_without_cases(covered: set[str]) -> list[str]:
    """IDs, in checklist order, that no case names (every entry needs a case naming it directly)."""
    return [entry.id for entry in load_checklist() if entry.id not in covered]


# --- rendering -------------------------------------------------------------------------------------------

_TITLE_WIDTH = 36
_NORWEGIAN_WIDTH = 64


def to_table(items: Iterable[ChecklistItem]) -> str:
    """A fixed-width text table: ID, verified by, title, Norwegian requirement (wrapped)."""
    items = tuple(items)
    id_width = max([len("ID"), *(len(entry.id) for entry in items)])
    by_width = max([len("verified by"), *(len(_verified_by(entry)) for entry in items)])
    widths = (id_width, by_width, _TITLE_WIDTH, _NORWEGIAN_WIDTH)
    lines = [_row(("ID", "verified by", "title", "requirement (no)"), widths)]
    lines.append("  ".join("-" * width for width in widths))
    for entry in items:
        cells = (
            [entry.id],
            [_verified_by(entry)],
            textwrap.wrap(entry.title, _TITLE_WIDTH) or [""],
            _wrap_lines(entry.requirement_no, _NORWEGIAN_WIDTH),
        )
        lines.extend(_row(row, widths) for row in zip_longest(*cells, fillvalue=""))
    return "\n".join(lines) + "\n"


def to_json(items: Iterable[ChecklistItem]) -> str:
    """The entries as a JSON array, in the file's vocabulary; non-ASCII kept readable."""
    return json.dumps([entry.as_dict() for entry in items], ensure_ascii=False, indent=2) + "\n"


def _verified_by(entry: ChecklistItem) -> str:
    return "+".join(entry.verified_by)


def _wrap_lines(text: str, width: int) -> list[str]:
    """Wrap each line of ``text`` on its own, so one quoted guide line never runs into the next."""
    wrapped = [part for line in text.splitlines() for part in textwrap.wrap(line, width)]
    return wrapped or [""]


def _row(cells: Iterable[str], widths: tuple[int, ...]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()
