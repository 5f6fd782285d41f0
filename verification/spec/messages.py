"""The message texts ePROM answers with: spec Appendix C, exact, with the HTTP status of each.

Texts are templates with ``{name}`` placeholders, filled by :func:`render` with plain substitution (never
``str.format``, so a value with braces cannot break rendering). ``tests/spec/upstream_messages.md`` holds
the upstream lines these are copied from; a test keeps the two equal.
"""

from __future__ import annotations

__all__ = ["APPENDIX_C", "STATUS", "E1_ERRORS", "render"]

APPENDIX_C: dict[str, str] = {
    "E1-1": "The ordered form is not Published",
    "E1-2": "No form with id='{formId}' exists",
    "E1-3": "The ordered form needs to be signed. This is not possible when using DistributionRule = "
    "'NoDistribution'.",
    "E1-4": "The ordered form needs to be signed. This is not possible when the form is ordered on behalf "
    "of someone.",
    "E1-5": "Form with id='{formId}' is not paper enabled",
    "E1-6": "JSON in metadata is not valid: {message}",  # {message}: the parser's own text (UNSPECIFIED)
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
E1_ERRORS = tuple(key for key in APPENDIX_C if key.startswith("E1-"))


def render(template: str, **values: str) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``; other placeholders stay."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
