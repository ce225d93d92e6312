"""The operator's backup job records its runs; the check-up reads the last one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from digiamen.conftest import World
from digiamen.safeguarding import checks
from digiamen.safeguarding.models import BackupRun, Status


@pytest.mark.django_db
def test_record_backup(world: World) -> None:
    assert checks.backup(world.amane).status == Status.NOT_IN_PLACE
    out = StringIO()
    call_command("record_backup", stdout=out)
    assert "Backup recorded" in out.getvalue() and BackupRun.objects.count() == 1
    assert checks.backup(world.amane).status == Status.IN_PLACE
