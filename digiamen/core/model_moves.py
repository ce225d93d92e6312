"""For migrations that move a model to another app, keeping its table (networks, referrals).

Called by migrations with their historical ``apps``: what it does must never change, since a
migration written today runs on databases upgraded years from now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def move_content_types(apps: Any, models: Iterable[str], old_label: str, new_label: str) -> None:
    """Django's content types (and with them the permissions) follow the models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if ContentType.objects.filter(app_label=new_label, model=model).exists():
            # Made for the new app already (a database migrated back and forth): the old
            # one is stale; its permissions go with it.
            ContentType.objects.filter(app_label=old_label, model=model).delete()
        else:
            ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)
