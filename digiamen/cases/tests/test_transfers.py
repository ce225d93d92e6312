from __future__ import annotations

from typing import Any

from digiamen.cases.actions import consent_allows
from digiamen.cases.models import Case, Transfer
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def test_transfer_across_borders_with_consent(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    omar = world.add_member("omar", world.jordan, "supervisor")
    case = new_case(consent_referral=True, consent_contact=False)
    sender = signed_in(sara)
    response = sender.post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert NARRATIVE.encode() not in bytes(transfer.sealed_copy)
    receiver = signed_in(omar)
    page = receiver.get("/en/staff/jordan/transfers/").content.decode()
    assert "Amane" in page
    response = receiver.post(f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "accept"})
    assert response.status_code == 302
    new = Case.objects.get(organisation=world.jordan)
    assert new.number.startswith("JO-") and new.report.channel == "transfer"
    detail = receiver.get(f"/en/staff/jordan/cases/{new.number}/").content.decode()
    assert NARRATIVE in detail
    assert "child@example.org" not in detail  # contact was not consented
    transfer.refresh_from_db()
    assert transfer.status == "accepted" and transfer.new_case == new
    assert AuditEvent.objects.filter(action="transfer.decided").exists()
    # Deciding twice is refused.
    assert (
        receiver.post(
            f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "decline"}
        ).status_code
        == 302
    )
    transfer.refresh_from_db()
    assert transfer.status == "accepted"


def test_transfer_without_consent_is_refused(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case(consent_referral=False)
    assert not consent_allows(case, "referral")
    response = signed_in(sara).post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    assert response.status_code == 400
    assert "Consent does not allow" in response.content.decode()
    assert not Transfer.objects.exists()


def test_only_supervisors_transfer_and_decide(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case(consent_referral=True)
    from digiamen.cases.tests.helpers import step

    step(signed_in(sara), case, "assign", assignee=world.bob.user.pk)
    bob = signed_in(world.bob)
    assert (
        bob.post(
            f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
        ).status_code
        == 404
    )
    assert (
        signed_in(sara)
        .post(f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.amane.pk})
        .status_code
        == 400
    )
    signed_in(sara).post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    transfer = Transfer.objects.get()
    charlie = signed_in(world.charlie)  # a caseworker of the receiving organisation
    assert charlie.get("/en/staff/jordan/transfers/").status_code == 403
    assert (
        charlie.post(
            f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "accept"}
        ).status_code
        == 403
    )
    assert (
        signed_in(sara)
        .post(f"/en/staff/amane/transfers/{transfer.pk}/", {"decision": "accept"})
        .status_code
        == 404
    )  # not the receiver
    transfer.refresh_from_db()
    assert transfer.status == "pending"
