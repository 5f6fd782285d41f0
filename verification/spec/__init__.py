"""The ePROM contract as code: enums, exact wire writers, lenient payload readers, timestamps, routes and
callback paths, Appendix C message texts, host classification.

Importing this package costs only the standard library. National-id classification (``national_id``,
which uses python-stdnum) is loaded on first use of one of its names.

Errors::

    ContractError (verification.errors; a ValueError)
     ├── EnumValueError     a value that is no member of an enum (enums.parse_enum)
     ├── PayloadError       a payload member that cannot be read (payloads, timestamps)
     └── ChecklistError     checklist data that contradicts itself (checklist)
"""

from __future__ import annotations

import importlib
from typing import Any

from . import enums, hosts, messages, payloads, routes, timestamps, wire
from .enums import *  # noqa: F403 - each module's __all__ is its public surface
from .hosts import *  # noqa: F403
from .messages import *  # noqa: F403
from .payloads import *  # noqa: F403
from .routes import *  # noqa: F403
from .timestamps import *  # noqa: F403
from .wire import *  # noqa: F403

# Package name -> name in ``national_id``; ``classify`` alone would be ambiguous here.
_NATIONAL_ID_NAMES = {
    "NationalIdKind": "NationalIdKind",
    "NationalIdInfo": "NationalIdInfo",
    "classify_national_id": "classify",
    "is_acceptable_for_eprom": "is_acceptable_for_eprom",
    "synthetic_national_ids": "synthetic_national_ids",
    "SAMPLE_ID_NEVER_USE": "SAMPLE_ID_NEVER_USE",
    "VERIFICATION_PERSON": "VERIFICATION_PERSON",
}


__all__ = list(dict.fromkeys([  # PayloadError is in both timestamps and payloads
    *enums.__all__, *wire.__all__, *timestamps.__all__, *payloads.__all__, *routes.__all__, *messages.__all__,
    *hosts.__all__, *_NATIONAL_ID_NAMES,
]))


def __getattr__(name: str) -> Any:
    if name in _NATIONAL_ID_NAMES:
        module = importlib.import_module(".national_id", __name__)
        return getattr(module, _NATIONAL_ID_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
