"""Changes to networks and what is shared with them: checked, atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.core import audit
from digiamen.core.errors import ActionError
from digiamen.evidence import network as aggregates
from digiamen.evidence import tasks
from digiamen.evidence.models import PeerInstance

# The sharing work itself (run by the jobs in ``tasks``), named here for the actions' callers.
from digiamen.evidence.sharing import refresh_shared as refresh_shared
from digiamen.evidence.sharing import share_if_sharing as share_if_sharing
from digiamen.networks.models import Network, NetworkMember


class NetworkError(ActionError):
    messages = {
        "unknown_organisation": _("No organisation has this short name."),
        "member_already": _("This organisation is a member already."),
        "secretariat": _("The secretariat stays a member of its own network."),
        "peer_exists": _("A peer instance with this name or key exists already."),
        "own_key": _("This is this instance's own key."),
        "same_sharing": _("This is the current choice already."),
    }


def create_network(
    *, slug: str, name: str, kind: str, secretariat: Organisation, actor: User | None = None
) -> Network:
    with transaction.atomic():
        network = Network.objects.create(slug=slug, name=name, kind=kind, secretariat=secretariat)
        NetworkMember.objects.create(network=network, organisation=secretariat)
        audit.record("network_created", actor=actor, organisation=secretariat, obj=network)
    return network


def add_member(network: Network, slug: str, actor: User) -> NetworkMember:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise NetworkError("unknown_organisation")
    with transaction.atomic():
        if NetworkMember.objects.filter(network=network, organisation=organisation).exists():
            raise NetworkError("member_already")
        member = NetworkMember.objects.create(network=network, organisation=organisation)
        audit.record(
            "network_member_added",
            actor=actor,
            organisation=network.secretariat,
            obj=member,
            details={"member": organisation.slug},
        )
    return member


def remove_member(member: NetworkMember, actor: User) -> None:
    if member.organisation_id == member.network.secretariat_id:
        raise NetworkError("secretariat")
    with transaction.atomic():
        aggregates.withdraw(member)
        audit.record(
            "network_member_removed",
            actor=actor,
            organisation=member.network.secretariat,
            obj=member.network,
            details={"member": member.organisation.slug},
        )
        member.delete()


def set_sharing(member: NetworkMember, share: bool, actor: User) -> None:
    """Turn sharing on or off. Off withdraws what was shared at once; on queues the sharing
    of the last months (a background job: with a million reports it takes some seconds)."""
    if member.shares_statistics == share:
        raise NetworkError("same_sharing")
    with transaction.atomic():
        member.shares_statistics = share
        member.sharing_changed_at = timezone.now()
        member.save(update_fields=["shares_statistics", "sharing_changed_at"])
        if not share:
            aggregates.withdraw(member)
        audit.record(
            "network_sharing_on" if share else "network_sharing_off",
            actor=actor,
            organisation=member.organisation,
            obj=member.network,
        )
    if share:
        tasks.share_member_figures(member.pk)  # queued after the commit above


def add_peer(network: Network, name: str, key_text: str, actor: User) -> PeerInstance:
    key = aggregates.parse_public_key(key_text)
    if key == bytes(aggregates.signing_key().verify_key):
        raise NetworkError("own_key")
    with transaction.atomic():
        for peer in network.peers.all():
            if peer.name == name or bytes(peer.public_key) == key:
                raise NetworkError("peer_exists")
        peer = PeerInstance.objects.create(network=network, name=name, public_key=key)
        audit.record(
            "network_peer_added",
            actor=actor,
            organisation=network.secretariat,
            obj=peer,
            details={"peer": name},
        )
    return peer


def remove_peer(peer: PeerInstance, actor: User) -> None:
    with transaction.atomic():
        audit.record(
            "network_peer_removed",
            actor=actor,
            organisation=peer.network.secretariat,
            obj=peer.network,
            details={"peer": peer.name},
        )
        peer.delete()  # its imported aggregates go with it


def import_aggregates(network: Network, data: bytes, actor: User) -> tuple[PeerInstance, int]:
    """Check and store a peer's signed file (``AggregateFileError`` if anything is wrong)."""
    with transaction.atomic():
        peer, stored = aggregates.import_file(network, data)
        audit.record(
            "network_aggregates_imported",
            actor=actor,
            organisation=network.secretariat,
            obj=peer,
            details={"cells": stored},
        )
    return peer, stored
