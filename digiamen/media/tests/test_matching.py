"""Banks and matching: fresh without rebuilds, shared through the database between
processes, scoped to what an organisation may see; a match makes the case urgent."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from digiamen.accounts import actions as account_actions
from digiamen.cases.models import Case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.media import actions
from digiamen.media.demo import demo_picture, near_duplicate
from digiamen.media.hashing import hash_image
from digiamen.media.matching import BankIndex, match_hashes, visible_bank_ids
from digiamen.media.models import BankChange, BankEntry, ImageMatch, ReportedImage
from digiamen.media.tests.helpers import distance
from digiamen.networks.models import Network, NetworkMember

PICTURE = hash_image(demo_picture())


def known_bank(world: World, **kwargs: Any) -> Any:
    bank = actions.create_bank(world.amane, world.alice.user, name="Known", source="test", **kwargs)
    actions.add_entries(
        bank, world.alice.user, [{**PICTURE.as_dict(), "classification": "baseline"}]
    )
    return bank


def near_copy() -> dict[str, Any]:
    return hash_image(near_duplicate(demo_picture(), scale=0.7, quality=50)).as_dict()


def test_a_near_duplicate_matches_and_another_picture_does_not(world: World) -> None:
    bank = known_bank(world)
    copy = near_copy()
    assert distance(copy["pdq"], PICTURE.pdq) <= 31
    other = hash_image(demo_picture(seed=3)).as_dict()
    found = match_hashes([copy, other, {"md5": PICTURE.md5}], {bank.pk})
    assert [m.kind for m in found[0]] == ["pdq"] and found[0][0].bank_id == bank.pk
    assert found[1] == []
    assert [m.kind for m in found[2]] == ["md5"]


def test_low_quality_hashes_are_not_matched_on_pdq(world: World) -> None:
    bank = known_bank(world)
    assert match_hashes([{"pdq": PICTURE.pdq, "quality": 20}], {bank.pk}) == [[]]


def test_a_hash_added_matches_at_once_in_every_process_without_a_rebuild(world: World) -> None:
    bank = actions.create_bank(world.amane, world.alice.user, name="B", source="")
    first, second = BankIndex(), BankIndex()  # two worker processes
    first.refresh()
    second.refresh()
    loaded = first.index
    assert first.search_pdq([PICTURE.pdq], {bank.pk}) == [[]]
    actions.add_entries(bank, world.alice.user, [{"pdq": PICTURE.pdq, "quality": 90}])
    assert first.search_pdq([PICTURE.pdq], {bank.pk})[0][0].distance == 0
    assert second.search_pdq([PICTURE.pdq], {bank.pk})[0][0].distance == 0
    assert first.index is loaded  # updated in place, not rebuilt
    entry = BankEntry.objects.get()
    actions.set_entry_enabled(entry, world.alice.user, enabled=False)
    assert second.search_pdq([PICTURE.pdq], {bank.pk}) == [[]]
    actions.set_entry_enabled(entry, world.alice.user, enabled=True)
    assert first.search_pdq([PICTURE.pdq], {bank.pk})[0]
    actions.remove_entry(entry, world.alice.user)
    assert first.search_pdq([PICTURE.pdq], {bank.pk}) == [[]]
    assert second.search_pdq([PICTURE.pdq], {bank.pk}) == [[]]


def test_a_change_committed_late_with_an_earlier_id_is_not_missed(world: World) -> None:
    bank = actions.create_bank(world.amane, world.alice.user, name="B", source="")
    index = BankIndex()
    index.refresh()
    entries = [BankEntry.objects.create(bank=bank, pdq=f"{n:064x}", pdq_quality=90) for n in (1, 2)]
    early = BankChange.objects.create(
        entry_id=entries[1].pk,
        bank_id=bank.pk,
        pdq=entries[1].pdq,
        pdq_quality=90,
        is_active=True,
    )
    later = BankChange.objects.create(
        entry_id=entries[0].pk,
        bank_id=bank.pk,
        pdq=entries[0].pdq,
        pdq_quality=90,
        is_active=True,
    )
    # The index sees only the later change first, as if the earlier one were not committed.
    early_row = BankChange.objects.filter(pk=early.pk)
    saved = early_row.values().get()
    early_row.delete()
    index.refresh(force=True)
    assert index.search_pdq([f"{1:064x}"], {bank.pk})[0]
    assert early.pk in index.gaps
    BankChange.objects.create(**saved)  # the late commit
    index.refresh(force=True)
    assert index.search_pdq([f"{2:064x}"], {bank.pk})[0]
    assert later.pk <= index.max_seen and early.pk not in index.gaps


def test_banks_are_seen_by_their_organisation_and_through_networks_only(world: World) -> None:
    bank = known_bank(world)
    assert bank.pk in visible_bank_ids(world.amane)
    assert bank.pk not in visible_bank_ids(world.jordan)
    network = Network.objects.create(slug="n", name="N", kind="regional", secretariat=world.amane)
    NetworkMember.objects.create(network=network, organisation=world.jordan)
    bank.network = network
    bank.save()
    assert bank.pk in visible_bank_ids(world.jordan)
    actions.set_bank_enabled(bank, world.alice.user, enabled=False)
    assert bank.pk not in visible_bank_ids(world.amane)


def test_every_bank_change_is_audited(world: World) -> None:
    bank = known_bank(world)
    entry = BankEntry.objects.get()
    actions.set_entry_enabled(entry, world.alice.user, enabled=False)
    actions.remove_entry(entry, world.alice.user)
    actions.set_bank_enabled(bank, world.alice.user, enabled=False)
    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "media.bank_created",
        "media.entries_added",
        "media.entry_disabled",
        "media.entry_removed",
        "media.bank_disabled",
    } <= recorded


def submit_with_picture(picture: bytes) -> Any:
    body = {"harm_types": ["sexual_extortion"], "country": "MA"}
    return Client().post(
        "/api/v1/reports",
        {"report": json.dumps(body), "image": [_upload(picture)]},
    )


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")


def test_a_report_with_a_known_picture_makes_the_case_urgent_and_shows_the_bank(
    world: World, signed_in: Any
) -> None:
    bank = known_bank(world)
    response = submit_with_picture(near_duplicate(demo_picture(), scale=0.5, quality=60))
    assert response.status_code == 201, response.content
    image = ReportedImage.objects.get()
    assert image.hashed_on == "server" and image.pdq and image.md5 and image.sha256
    match = ImageMatch.objects.get()
    assert match.bank == bank and match.kind == "pdq" and match.classification == "baseline"
    case = Case.objects.get()
    assert case.risk_level == "high"
    assert case.events.filter(kind="known_image").exists()
    page = signed_in(world.bob).get(f"/en/staff/{world.amane.slug}/cases/{case.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "known abuse picture" in html and "Known" in html
    assert "<img" not in html.split("pictures-title", 1)[1].split("</section>", 1)[0]


def test_an_unknown_picture_leaves_the_case_as_it_was(world: World) -> None:
    known_bank(world)
    assert submit_with_picture(demo_picture(seed=42)).status_code == 201
    assert ReportedImage.objects.count() == 1 and not ImageMatch.objects.exists()
    assert Case.objects.get().risk_level == ""


def test_issue_api_key_helper_is_unchanged(world: World) -> None:
    key = account_actions.issue_api_key(world.amane, "platform_liaison", label="x", actor=None)
    assert key.startswith("dak_")


def test_old_changes_are_pruned_and_the_index_still_loads_the_entries(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from digiamen.media.tasks import prune_bank_changes

    bank = known_bank(world)
    actions.add_entries(bank, None, [{"pdq": "0" * 64, "quality": 90}])
    BankChange.objects.update(created_at=timezone.now() - timedelta(days=2))
    newest = BankChange.objects.latest("id").pk
    assert prune_bank_changes.call_local() == 1
    # The newest stays: it names the state a shared snapshot was built from.
    assert list(BankChange.objects.values_list("pk", flat=True)) == [newest]
    index = BankIndex()
    assert index.search_pdq([PICTURE.pdq], {bank.pk})[0]
