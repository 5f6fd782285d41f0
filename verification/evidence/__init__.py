"""Certification evidence: statuses per ID, redaction, ``evidence.json``, the HTML report, human
attestations, the leak scan, the manifest and comparisons between bundles.

Modules: :mod:`.results` (statuses), :mod:`.redact`, :mod:`.evidence_json`, :mod:`.report`,
:mod:`.attest`, :mod:`.leakscan`, :mod:`.manifest`, :mod:`.compare`, :mod:`.bundle` (writes it all),
:mod:`.commands` (the CLI's ``attest``, ``judge``, ``verify-evidence``).
"""

from .bundle import BUNDLE_DIR, BundleError, BundleResult, rebuild_bundle, write_bundle
from .leakscan import Leak, scan_bundle
from .manifest import verify_manifest
from .redact import Aliases, Redactor
from .results import STATUSES, CaseOutcome, ItemResult, item_statuses

__all__ = [
    "BUNDLE_DIR",
    "STATUSES",
    "Aliases",
    "BundleError",
    "BundleResult",
    "CaseOutcome",
    "ItemResult",
    "Leak",
    "Redactor",
    "item_statuses",
    "rebuild_bundle",
    "scan_bundle",
    "verify_manifest",
    "write_bundle",
]
