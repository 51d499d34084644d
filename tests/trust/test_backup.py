"""A backup restored gives the same records, the same evidence files and an intact audit
chain."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from audit.backup import row_counts
from audit.recorder import seal, verify
from findings.models import Petition
from rectification.models import Evidence, Measure
from tests.factories import ClueFactory, MeasureFactory, PetitionFactory
from tests.rectification.helpers import PDF_BYTES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_restored_backup_gives_the_same_counts_files_and_audit_chain(
    media, tmp_path, problem, unit_a, liaison_a, inspection_round
):
    for n in range(5):
        MeasureFactory(problem=problem, seq=n + 1, lead_unit=unit_a)
    ClueFactory(round=inspection_round)
    PetitionFactory(round=inspection_round)
    measure = Measure.objects.first()
    evidence = Evidence(
        measure=measure,
        original_name="佐证.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        uploaded_by=liaison_a,
    )
    evidence.file.save("佐证.pdf", ContentFile(PDF_BYTES), save=False)
    evidence.save()
    seal()
    before = row_counts()
    archive = tmp_path / "backup.tar"

    call_command("backup", "--output", str(archive))

    # Afterwards: records lost, a file deleted, the audit trail tampered with.
    Petition.objects.all().delete()
    MeasureFactory(problem=problem, seq=99, lead_unit=unit_a)
    (media / evidence.file.name).unlink()
    assert row_counts() != before

    call_command("restore", str(archive), "--yes")

    assert row_counts() == before
    assert (media / evidence.file.name).read_bytes() == PDF_BYTES
    assert verify().ok
    call_command("verify_audit")


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "none.tar"), "--yes")
