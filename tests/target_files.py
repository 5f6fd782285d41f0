"""The smallest valid target file for the tests of the command line and the run, changed per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FORM = {"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False, "paper": False}


def simulator_target(system_url: str = "http://127.0.0.1:9", *, key_variable: str, listen: str = "127.0.0.1:0",
                     name: str = "A test system", capabilities: Any = ("formorder",),
                     **bestillersystem: Any) -> dict[str, Any]:
    """A simulator-mode target whose key is ``${key_variable}``; ``bestillersystem`` adds to that section
    (``trigger``, ``probe``, …)."""
    return {
        "name": name,
        "environment": "test",
        "api_key": "${" + key_variable + "}",
        "eprom": {"mode": "simulator", "listen": listen},
        "bestillersystem": {"callback_base_url": system_url, **bestillersystem, "capabilities": list(capabilities)},
        "forms": [dict(FORM)],
    }


def with_trigger_and_probe(system_url: str) -> dict[str, Any]:
    """The ``trigger`` and status ``probe`` of a system at ``system_url`` (the reference system's paths)."""
    return {"trigger": {"url": f"{system_url}/_trigger/order"},
            "probe": {"status": f"{system_url}/_probe/status/{{formOrderId}}"}}


def write_target(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "target.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
