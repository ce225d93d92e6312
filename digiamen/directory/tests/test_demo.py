"""The demo directory: services in four countries, owned and unowned, one confidential place."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from digiamen.directory.models import DirectoryOrganisation, Location, Service


@pytest.mark.django_db
def test_demo_directory(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
    owned = DirectoryOrganisation.objects.filter(owner__isnull=False)
    assert {entry.owner.slug for entry in owned if entry.owner} == {
        "amane-demo",
        "jordan-helpline-demo",
    }
    countries = set(Service.objects.values_list("areas__country", flat=True))
    assert {"MA", "TN", "JO", "EG"} <= countries
    # The Sfax scenario of the issue: services of Sfax itself and of Tunisia as a whole.
    sfax = Service.objects.active().serving("TN", "TN-61")
    assert sfax.filter(areas__admin1="TN-61").exists()
    assert sfax.filter(areas__country="TN", areas__admin1="").exists()
    assert Location.objects.filter(is_confidential=True).count() == 1
    assert any(service.needs_verification for service in Service.objects.all())
    assert any(not service.needs_verification for service in Service.objects.all())
