"""The bundled reference ordering system (Bestillersystem): correct, and in named faulty variants.

A real HTTP server (Starlette on uvicorn, own process, loopback port chosen by the OS) with both faces:
it hosts the callbacks ePROM calls (C1–C4) and calls ePROM (E1–E7), plus the trigger and probe hooks of
the target file. ``eprom-verify demo`` verifies it; the self-tests use it as the known-good system and
its variants (:data:`VARIANTS`, one record each) as the systems each check must catch, or must pass::

    with run_reference_system(eprom_base_url=url, api_key=key, behaviour="stores_duplicates") as ref:
        ref.base_url  # its callback_base_url
"""

from .behaviour import CORRECT, VARIANTS, Behaviour, Variant, correct_designs, faulty_variants, variant
from .runtime import ReferenceSettings
from .server import (
    ReferenceSystem,
    ReferenceSystemError,
    run_reference_system,
    start_reference_system,
)

__all__ = [
    "Behaviour",
    "CORRECT",
    "VARIANTS",
    "Variant",
    "correct_designs",
    "faulty_variants",
    "variant",
    "ReferenceSettings",
    "ReferenceSystem",
    "ReferenceSystemError",
    "run_reference_system",
    "start_reference_system",
]
