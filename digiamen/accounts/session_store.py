"""Database sessions whose rows are keyed by a hash of the cookie value.

The cookie carries the only copy of the session key. The database keeps its SHA-256, so a
copy of the database can neither resume a session nor derive the key that wraps the
member's private key inside the session (see digiamen.core.encryption.SessionKeyRing).
Only the synchronous paths are used; the async ones are refused rather than half-supported.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def stored_key(session_key: str) -> str:
    return hashlib.sha256(b"digiamen/session/" + session_key.encode()).hexdigest()[:40]


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> Any:
        # From the app registry: the model names this store as its own (get_session_store_class).
        return apps.get_model("accounts", "HashedSession")

    def _get_session_from_db(self) -> Any:
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key or ""), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        return self.model(
            session_key=stored_key(self._get_or_create_session_key()),  # type: ignore[attr-defined]
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is None:
            return
        self.model.objects.filter(session_key=stored_key(key)).delete()

    async def aload(self) -> Any:
        raise NotImplementedError("Digi-Amen sessions are synchronous")

    async def asave(self, must_create: bool = False) -> None:
        raise NotImplementedError("Digi-Amen sessions are synchronous")
