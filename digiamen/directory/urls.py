"""Staff pages of the directory, under /<lang>/staff/<org>/directory/."""

from __future__ import annotations

from digiamen.directory import urls_coverage, urls_exchange, urls_manage

app_name = "directory"

urlpatterns = [
    *urls_manage.urlpatterns,
    *urls_coverage.urlpatterns,
    *urls_exchange.urlpatterns,
]
