"""E2 ``GET api/ExternalDocument/{signedFormId}``: the signed PDF of a completed, signed form.

Header key (``authorization: Basic <key>``); 401 without a valid key (UNSPECIFIED); 404 for an id with no
document (UNSPECIFIED); 200 ``application/pdf`` otherwise. The 2019 path without ``/api/`` (Q30) is
served too, with a finding. Documents are kept for the simulator's lifetime (the guide: at least 30 days).

:func:`signed_form_pdf` builds a small, valid one-page PDF by hand: header, five objects, a cross-reference
table with exact byte offsets, trailer, ``%%EOF``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .common import Rejection, apply_fault, reject, require_header_key, state_of
from .recording import set_meta

__all__ = ["download_signed_document", "signed_form_pdf"]


async def download_signed_document(request: Request) -> Response:
    state = state_of(request)
    signed_form_id = request.path_params["signed_form_id"].lower()
    set_meta(request, signedFormId=signed_form_id)
    try:
        await apply_fault(request, state, "E2")
        await require_header_key(request, state)
        document = state.documents.get(signed_form_id)
        if document is None:
            raise reject(state, 404, f"No signed document with id '{signed_form_id}'")  # UNSPECIFIED
    except Rejection as rejection:
        return rejection.response
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{signed_form_id}.pdf"'},
    )


def _pdf_text(line: str) -> bytes:
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1", errors="replace")


def signed_form_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica."""
    content = b"BT /F1 12 Tf 72 770 Td 16 TL " + b" ".join(b"(" + _pdf_text(line) + b") '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)
