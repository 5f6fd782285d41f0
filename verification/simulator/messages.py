"""The message texts ePROM answers with (spec Appendix C, exact) and the error-body envelope.

Texts are templates with ``{name}`` placeholders replaced by plain substitution (never ``str.format``,
so a value or an overriding text with braces cannot break rendering). ``SimulatorSettings.error_texts``
overrides a text by its Appendix C id, for tests where ePROM changes its wording.

Texts the simulator uses where the guide documents none (missing fields, bad types, unknown routes) are
its own and are marked UNSPECIFIED where they are produced.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, PlainTextResponse, Response

from .settings import SimulatorSettings

__all__ = ["APPENDIX_C", "STATUS", "text", "error_response", "documented_error"]

APPENDIX_C: dict[str, str] = {
    "E1-1": "The ordered form is not Published",
    "E1-2": "No form with id='{formId}' exists",
    "E1-3": "The ordered form needs to be signed. This is not possible when using DistributionRule = "
    "'NoDistribution'.",
    "E1-4": "The ordered form needs to be signed. This is not possible when the form is ordered on behalf "
    "of someone.",
    "E1-5": "Form with id='{formId}' is not paper enabled",
    "E1-6": "JSON in metadata is not valid: {message}",
    "E1-7": "nationalId: FH-nummer is not supported as national ID. The national ID must be either Norsk "
    "fødselsnummer or D-nummer.",
    "E1-8": "nationalId: H-nummer is not supported as national ID. The national ID must be either Norsk "
    "fødselsnummer or D-nummer.",
    "E3-1": "Timeout while waiting for response from Helsenorge",
    "E3-2": "Unable to communicate with Helsenorge. No message sent.",
    "E3-3": "Main document in MessageToCitizen is missing",
    "E3-4": "apiKey '{apiKey}' doesn't exists",
    "E3-5": "No form with id='{formId}' exists",  # [5567066] only (Q21); the template says formOrder.formId
    "E4-1": "apiKey '{apiKey}' doesn't exists",
    "E4-2": "Either nationalId or phoneNumber must be specified",
    "E5-1": "apiKey '{apiKey}' doesn't exists",
    "E5-2": "Either nationalId or emailAddress must be specified",
}

STATUS: dict[str, int] = {key: 400 for key in APPENDIX_C} | {"E3-1": 504, "E3-2": 502}


def text(settings: SimulatorSettings, message_id: str, **values: str) -> str:
    """The rendered text of ``message_id``, honouring ``settings.error_texts``."""
    rendered = settings.error_texts.get(message_id, APPENDIX_C[message_id])
    for name, value in values.items():
        rendered = rendered.replace("{" + name + "}", value)
    return rendered


def error_response(settings: SimulatorSettings, status: int, message: str) -> Response:
    """An error answer in the configured envelope (UNSPECIFIED; default: a bare JSON string)."""
    if settings.error_envelope == "message-object":
        return JSONResponse({"Message": message}, status_code=status)
    if settings.error_envelope == "text":
        return PlainTextResponse(message, status_code=status)
    return JSONResponse(message, status_code=status)


def documented_error(settings: SimulatorSettings, message_id: str, **values: str) -> Response:
    return error_response(settings, STATUS[message_id], text(settings, message_id, **values))
