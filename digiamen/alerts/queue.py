"""The queue's task that sends one delivery (the periodic jobs are in tasks.py)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from digiamen.alerts import delivery


@db_task()
def deliver_alert(delivery_id: int) -> str:
    return delivery.attempt(delivery_id)
