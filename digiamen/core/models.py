from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserKeyPair(models.Model):
    """A staff member's key pair; the private half is wrapped by an Argon2id password key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_pair"
    )
    public_key = models.BinaryField(max_length=32)
    wrapped_private_key = models.BinaryField()
    kdf_salt = models.BinaryField(max_length=16)
    kdf_opslimit = models.PositiveIntegerField()
    kdf_memlimit = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"key pair of user {self.user_id}"


class OrganisationKey(models.Model):
    """One generation of an organisation's key pair.

    A new generation is made whenever a member leaves. Each generation carries the previous
    generation's private key sealed to itself, so whoever holds the newest key can open
    everything sealed before; nobody holding only an old key can open what comes after.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="keys"
    )
    version = models.PositiveIntegerField()
    public_key = models.BinaryField(max_length=32)
    sealed_previous_private_key = models.BinaryField(null=True)
    # This generation's private key sealed to the offline recovery key.
    recovery_sealed_private_key = models.BinaryField()
    # This generation's Ed25519 verify key (its signing key derives from the private key) and
    # the previous generation's signature over (organisation, version, public key, verify
    # key); generation 1 signs itself. Empty on generations made before signatures existed
    # (core/key_signing.py).
    verify_key = models.BinaryField(max_length=32, default=b"", blank=True)
    signature = models.BinaryField(max_length=64, default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="one_key_per_version")
        ]
        ordering = ["organisation", "-version"]

    def __str__(self) -> str:
        return f"key v{self.version} of organisation {self.organisation_id}"


class OrganisationKeyGrant(models.Model):
    """An organisation's private key (one generation) sealed to one member's public key."""

    key = models.ForeignKey(OrganisationKey, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_grants"
    )
    sealed_private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="one_grant_per_key")]

    def __str__(self) -> str:
        return f"grant of key {self.key_id} to user {self.user_id}"


class KeyCircle(models.TextChoices):
    """Who a casework key generation is for. Technical names, never shown to anyone."""

    # Caseworkers and supervisors: opens unassigned cases (the intake group).
    CASEWORK = "casework", "casework"
    # Supervisors only: opens assigned cases, beside the assignee's own key.
    SUPERVISION = "supervision", "supervision"


class CaseworkKey(models.Model):
    """One generation of an organisation's *casework* key pair: the key that opens case data.

    Need-to-know held by the keys: only members whose signed role works cases (caseworkers
    and supervisors) are granted it; org admins, data officers, platform liaisons and network
    coordinators hold only the organisation key, which opens no case data. Generations do
    not carry each other: each is granted to its holders directly, so an org admin, who
    never holds this key, can still make a new generation when a holder leaves (sealing
    needs only public keys). A generation is signed with the organisation key's signing key
    of generation ``signed_by_version``: only an org admin (or another holder of the
    organisation key) can add one, never someone with only database write access.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="casework_keys"
    )
    # Two chains per organisation, each with its own versions and holders: the casework
    # circle (every caseworker and supervisor) and the supervision circle (supervisors).
    circle = models.CharField(max_length=16, choices=KeyCircle.choices, default=KeyCircle.CASEWORK)
    version = models.PositiveIntegerField()
    public_key = models.BinaryField(max_length=32)
    recovery_sealed_private_key = models.BinaryField()
    # The recovery public key the private key is sealed to: after the recovery key is
    # rotated by an org admin (who holds no casework key), the next holder to sign in seals
    # it to the new one (``accounts.casework_keys``).
    recovery_public_key = models.BinaryField(max_length=32)
    signature = models.BinaryField(max_length=64, default=b"", blank=True)
    signed_by_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "circle", "version"],
                name="one_casework_key_per_circle_version",
            )
        ]
        ordering = ["organisation", "circle", "-version"]

    def __str__(self) -> str:
        return f"{self.circle} key v{self.version} of organisation {self.organisation_id}"


class CaseworkKeyGrant(models.Model):
    """One casework key generation's private key sealed to one member's public key."""

    key = models.ForeignKey(CaseworkKey, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="casework_grants"
    )
    sealed_private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "user"], name="one_casework_grant_per_key")
        ]

    def __str__(self) -> str:
        return f"grant of casework key {self.key_id} to user {self.user_id}"


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit log.

    Actor and organisation are plain integers, not foreign keys: deleting a user must never
    rewrite the log. Details hold identifiers and codes only, never protected content.
    """

    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organisation_id", "-id"], name="audit_org_recent")]

    def __str__(self) -> str:
        return f"audit #{self.pk} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The newest row's id and hash: a lock for appending, and proof against truncation."""

    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head at #{self.last_event_id}"


class PurgePeriodKey(models.Model):
    """The key pair of one organisation's purge period (a calendar month).

    When a case is closed, every envelope that opens its sealed values is sealed once more
    to the key of the month in which retention will purge it. Deleting this row at the end
    of that month (``encryption.destroy_purge_period_key``) makes every copy of those
    envelopes useless, wherever it survived: dead rows, free pages, WAL, a stolen copy.
    The private key is sealed to the organisation key generation named by ``key_version``,
    so it needs no re-sealing when the organisation key rotates (newer generations carry
    older ones).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="purge_keys"
    )
    # The first day of the month whose purges this key covers.
    period = models.DateField()
    public_key = models.BinaryField(max_length=32)
    key_version = models.PositiveIntegerField()
    sealed_private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"], name="one_purge_key_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"purge key {self.period:%Y-%m} of organisation {self.organisation_id}"


class WritingKey(models.Model):
    """A member's key for signing what they write in an organisation (notes, tasks, replies,
    the case's timeline): an Ed25519 verify key, certified by a holder of the organisation
    key (the generation's signing key, ``core.key_signing``), which nobody holding only the
    database holds. Retired when the member leaves or renews their key pair; signatures
    made before stay valid."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    verify_key = models.BinaryField(max_length=32)
    generation = models.PositiveIntegerField()  # the organisation key version that certified
    certificate = models.BinaryField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "verify_key"], name="one_writing_key_row"
            )
        ]

    def __str__(self) -> str:
        return f"writing key of user {self.user_id} in organisation {self.organisation_id}"


class WritingSignature(models.Model):
    """A member's signature over one written row: its table, row, case, author, time and a
    digest of its content (``core.writings``)."""

    table = models.CharField(max_length=64)
    row = models.BigIntegerField()
    key = models.ForeignKey(WritingKey, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    signature = models.BinaryField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "row"], name="one_signature_per_row")
        ]

    def __str__(self) -> str:
        return f"signature of {self.table}#{self.row}"
