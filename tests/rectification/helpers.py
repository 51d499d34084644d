"""Helpers for workflow tests: put a measure in a state, make small real files."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from rectification.models import Evidence, Measure

# The smallest file every PDF reader accepts as a PDF.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ELF_BYTES = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def pdf_upload(name: str = "整改报告.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes() -> bytes:
    # 1×1 PNG written by hand so the test needs no imaging library.
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def add_evidence(measure: Measure, by: User) -> Evidence:
    from django.core.files.base import ContentFile

    evidence = Evidence(
        measure=measure,
        original_name="佐证.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
        sha256="0" * 64,
        uploaded_by=by,
    )
    evidence.file.save("佐证.pdf", ContentFile(PDF_BYTES), save=False)
    evidence.save()
    return evidence


def put_in_state(measure: Measure, status: str, *, submitted_by: User, closed_by: User) -> Measure:
    """Set a measure's state directly, as if its earlier steps had happened."""
    now = timezone.now()
    fields: dict = {"status": status}
    if status in (Measure.Status.SUBMITTED, Measure.Status.CLOSED):
        fields.update(submitted_at=now, submitted_by=submitted_by, result_summary="已完成")
    if status == Measure.Status.CLOSED:
        fields.update(closed_at=now, closed_by=closed_by)
    Measure.objects.filter(pk=measure.pk).update(**fields)
    measure.refresh_from_db()
    return measure


def stream_bytes(response) -> bytes:
    buffer = io.BytesIO()
    for part in response.streaming_content:
        buffer.write(part)
    return buffer.getvalue()
