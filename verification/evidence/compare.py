"""Comparing two bundles (``eprom-verify judge SESSION --compare OTHER``): what changed since then.

New failures, fixed items, other status changes, and what ePROM started sending: JSON fields and enum
values seen in callbacks and answers that the earlier bundle did not see (a new field from ePROM is the
first sign of a release the integration must tolerate).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Comparison", "compare_evidence", "load_evidence"]

_GOOD = ("passed", "attested")


@dataclass
class Comparison:
    new_failures: list[tuple[str, str, str]] = field(default_factory=list)  # (id, before, reason now)
    fixed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, before, now)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # other status changes
    new_ids: list[str] = field(default_factory=list)
    new_endpoints: list[str] = field(default_factory=list)
    new_fields: dict[str, list[str]] = field(default_factory=dict)
    new_enum_values: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def regressed(self) -> bool:
        return bool(self.new_failures)

    def lines(self) -> list[str]:
        out = [f"new failure: {i} (was {before}): {reason}" for i, before, reason in self.new_failures]
        out += [f"fixed: {i} ({before} → {now})" for i, before, now in self.fixed]
        out += [f"changed: {i} ({before} → {now})" for i, before, now in self.changed]
        out += [f"new ID: {i}" for i in self.new_ids]
        out += [f"new from ePROM, not seen before: {endpoint}" for endpoint in self.new_endpoints]
        for endpoint, fields in self.new_fields.items():
            out += [f"new field from ePROM: {endpoint}: {name}" for name in fields]
        for endpoint, paths in self.new_enum_values.items():
            for path, values in paths.items():
                out.append(f"new enum value from ePROM: {endpoint}: {path} = {', '.join(values)}")
        return out or ["no change"]


def load_evidence(path: Path) -> dict[str, Any]:
    """``evidence.json`` given as the file, the bundle folder or the session folder."""
    path = Path(path)
    for candidate in (path, path / "evidence.json", path / "evidence" / "evidence.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no evidence.json at {path} (give a bundle, a session folder or the file)")


def _statuses(evidence: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {item["id"]: item for item in evidence.get("items", [])}


def compare_evidence(current: Mapping[str, Any], previous: Mapping[str, Any]) -> Comparison:
    result = Comparison()
    now, before = _statuses(current), _statuses(previous)
    for item_id, item in now.items():
        if item_id not in before:
            result.new_ids.append(item_id)
            continue
        was, is_ = before[item_id]["status"], item["status"]
        if was == is_:
            continue
        if is_ == "failed":
            result.new_failures.append((item_id, was, item.get("reason", "")))
        elif was == "failed" and is_ in _GOOD:
            result.fixed.append((item_id, was, is_))
        else:
            result.changed.append((item_id, was, is_))
    seen_now, seen_before = current.get("observed", {}), previous.get("observed", {})
    for endpoint, fields in seen_now.get("fields", {}).items():
        if endpoint not in seen_before.get("fields", {}):
            result.new_endpoints.append(endpoint)
            continue
        new = sorted(set(fields) - set(seen_before.get("fields", {}).get(endpoint, [])))
        if new:
            result.new_fields[endpoint] = new
    for endpoint, paths in seen_now.get("enum_values", {}).items():
        if endpoint in result.new_endpoints:
            continue
        old_paths = seen_before.get("enum_values", {}).get(endpoint, {})
        for path, values in paths.items():
            new = sorted(set(values) - set(old_paths.get(path, [])))
            if new:
                result.new_enum_values.setdefault(endpoint, {})[path] = new
    return result
