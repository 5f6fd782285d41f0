"""httpcore asks which event loop runs on every async request (``import sniffio`` each time): without
sniffio installed each request searched sys.path four times, and the simulator's callbacks and the relay
cost twice the CPU. sniffio is a dependency; this fails when it goes missing (no look into httpcore's
private modules: only that the import it makes succeeds)."""

from __future__ import annotations

import importlib.util
from importlib.metadata import requires


def test_sniffio_is_a_dependency_and_installed():
    assert any(line.split(">")[0].split("<")[0].strip() == "sniffio" for line in requires("eprom-verify") or [])
    assert importlib.util.find_spec("sniffio") is not None
