"""The message texts ePROM answers with (:mod:`verification.spec.messages`) and the error-body envelope.

``SimulatorSettings.error_texts`` overrides a text by its Appendix C id, for tests where ePROM changes its wording.

Texts the simulator uses where the guide documents none (missing fields, bad types, unknown routes) are
its own and are marked UNSPECIFIED where they are produced.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..spec.messages import APPENDIX_C, STATUS, render
from .settings import SimulatorSettings

__all__ = ["text", "error_response", "documented_error"]


def text(settings: SimulatorSettings, message_id: str, **values: str) -> str:
    """The rendered text of ``message_id``, honouring ``settings.error_texts``."""
    return render(settings.error_texts.get(message_id, APPENDIX_C[message_id]), **values)


def error_response(settings: SimulatorSettings, status: int, message: str) -> Response:
    """An error answer in the configured envelope (UNSPECIFIED; default: a bare JSON string)."""
    if settings.error_envelope == "message-object":
        return JSONResponse({"Message": message}, status_code=status)
    if settings.error_envelope == "text":
        return PlainTextResponse(message, status_code=status)
    return JSONResponse(message, status_code=status)


def documented_error(settings: SimulatorSettings, message_id: str, **values: str) -> Response:
    return error_response(settings, STATUS[message_id], text(settings, message_id, **values))
