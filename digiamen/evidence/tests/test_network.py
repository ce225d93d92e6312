"""Network aggregates: what is shared, the combined table protected again, signed files."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import nacl.signing
import pytest
from django.utils import translation

from digiamen.accounts.models import Organisation
from digiamen.cases.tests.helpers import NARRATIVE
from digiamen.conftest import World
from digiamen.evidence import actions, network, statistics
from digiamen.evidence.disclosure import protect_extended
from digiamen.evidence.models import PeerInstance, SharedAggregate
from digiamen.evidence.network import AggregateFileError
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report
from digiamen.networks.models import Network, NetworkMember

TODAY = date(2026, 12, 3)
YEAR = statistics.Period(date(2026, 1, 1), date(2027, 1, 1))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def past_report(organisation: Organisation, number: int, month: int, **answers: Any) -> Report:
    data = {
        "harm_types": ["sexual_extortion"],
        "country": organisation.country,
        "age_band": "15_17",
        "consent_statistics": True,
        "narrative": NARRATIVE,
        **answers,
    }
    created = intake_actions.submit_report(
        data,
        channel="web",
        submission_id=f"net-{organisation.slug}-{number}",
        organisation=organisation,
    ).report
    Report.objects.filter(pk=created.pk).update(
        created_at=datetime(2026, month, 10, 12, tzinfo=UTC)
    )
    return created


@pytest.fixture
def regional(world: World) -> Network:
    """Amane (MA) runs a network with Jordan (JO); both share. Jordan has one grooming case
    alone in March (small), Amane none."""
    for n in range(7):
        past_report(world.amane, n, 3)
    for n in range(6):
        past_report(world.jordan, n, 3)
    past_report(world.jordan, 6, 3, harm_types=["online_grooming"])
    created = actions.create_network(
        slug="mena", name="MENA network", kind="regional", secretariat=world.amane
    )
    actions.add_member(created, "jordan", world.alice.user)
    for member in created.members.all():
        actions.set_sharing(member, True, world.alice.user)
    return created


def test_only_protected_cells_are_shared(regional: Network) -> None:
    cells = SharedAggregate.objects.filter(network=regional)
    assert cells.exists()
    assert not cells.filter(count__gte=1, count__lt=5).exists()
    grooming = cells.get(
        source="jordan", dimension="harm_type", value="online_grooming", month=date(2026, 3, 1)
    )
    assert grooming.count is None
    # The grooming report is hidden, so another cell of the same table is hidden too.
    march = cells.filter(source="jordan", dimension="harm_type", month=date(2026, 3, 1))
    assert march.filter(count__isnull=True).count() >= 2
    assert cells.get(source="amane", dimension=network.REPORTS, month=date(2026, 3, 1)).count == 7


def test_the_combined_table_is_protected_again(regional: Network) -> None:
    table = network.combined_table(regional, "harm_type", YEAR)
    assert [code for code, _label in table.columns] == ["JO", "MA"]
    rows = {code: i for i, (code, _label) in enumerate(table.rows)}
    extortion = rows["sexual_extortion"]
    assert table.cell(extortion, 1) == 7  # Amane's cell is known and large enough
    assert table.cell(rows["online_grooming"], 0) == "<5"  # hidden at its source
    assert table.sources == 2
    # No line of the combined table has a single hidden cell.
    width, height = len(table.columns) + 1, len(table.rows) + 1
    hidden = table.protected.hidden
    for i in range(height):
        assert sum((i, j) in hidden for j in range(width)) != 1
    for j in range(width):
        assert sum((i, j) in hidden for i in range(height)) != 1
    by_month = network.combined_table(regional, "month", YEAR)
    march = [code for code, _label in by_month.rows].index("2026-03")
    assert by_month.as_rows()[march][2] == 14


def test_unknown_cells_force_more_hiding() -> None:
    # 20 | ? | 30 with the row total unknown too; a known column total would give "?" away.
    values = [[20, 0, 30, 0], [10, 10, 10, 30], [30, 0, 40, 0]]
    table = protect_extended(values, 5, unknown={(0, 1), (0, 3), (2, 1), (2, 3)})
    assert table.shown(0, 1) == "<5"
    for j in range(4):
        assert sum((i, j) in table.hidden for i in range(3)) != 1


def test_stopping_sharing_withdraws_everything(world: World, regional: Network) -> None:
    member = NetworkMember.objects.get(network=regional, organisation=world.jordan)
    actions.set_sharing(member, False, world.alice.user)
    assert not SharedAggregate.objects.filter(organisation=world.jordan).exists()
    assert SharedAggregate.objects.filter(organisation=world.amane).exists()
    with pytest.raises(actions.NetworkError):
        actions.set_sharing(member, False, world.alice.user)


def test_an_unknown_dimension_is_refused(regional: Network) -> None:
    with pytest.raises(statistics.StatisticsError):
        network.combined_table(regional, "narrative", YEAR)


# --- Signed files ------------------------------------------------------------------------------


OTHER_SEED = bytes(range(32))  # another instance's network signing key (tests only)


def _other_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(OTHER_SEED)


def signed(body: str, key: nacl.signing.SigningKey | None = None) -> bytes:
    """A file as another instance would write it (its own key unless told)."""
    key = key or _other_key()
    data = body.encode("utf-8")
    public = base64.b64encode(bytes(key.verify_key)).decode()
    signature = base64.b64encode(key.sign(data).signature).decode()
    return f"{network.FILE_MAGIC},ed25519:{public},signature:{signature}\r\n".encode() + data


HEADER = "Source,Country,Month,Dimension,Category,Reports\r\n" + ",".join(network.FILE_TAGS)


def body(*lines: str) -> str:
    return HEADER + "\r\n" + "\r\n".join(lines) + "\r\n"


GOOD = body(
    "tunis-cso,TN,2026-03,harm_type,sexual_extortion,12",
    "tunis-cso,TN,2026-03,harm_type,online_grooming,x",
    "tunis-cso,TN,2026-03,harm_type,cyberbullying,x",
    "tunis-cso,TN,2026-03,harm_type,TOTAL,20",
    "tunis-cso,TN,2026-03,reports,TOTAL,18",
)


@pytest.fixture
def trusting(world: World, regional: Network) -> PeerInstance:
    key = base64.b64encode(bytes(_other_key().verify_key)).decode()
    return actions.add_peer(regional, "tunisia", key, world.alice.user)


def test_a_peer_file_is_imported_and_combined(
    world: World, regional: Network, trusting: PeerInstance
) -> None:
    peer, stored = actions.import_aggregates(regional, signed(GOOD), world.alice.user)
    assert peer == trusting and stored == 5
    table = network.combined_table(regional, "harm_type", YEAR)
    assert "TN" in [code for code, _label in table.columns]
    assert table.sources == 3
    # Importing the same months again replaces them.
    actions.import_aggregates(regional, signed(GOOD), world.alice.user)
    assert SharedAggregate.objects.filter(peer=trusting).count() == 5


def test_a_file_exported_here_verifies_with_this_instances_key(
    world: World, regional: Network, settings: Any
) -> None:
    exported = network.export_file(regional)
    assert b"#affected+children+reports" in exported
    text = exported.decode()
    assert "narrative" not in text and NARRATIVE not in text
    numbers = [line.rsplit(",", 1)[1] for line in text.splitlines()[3:]]
    assert all(n == "x" or int(n) == 0 or int(n) >= 5 for n in numbers)
    # Another instance that trusts this one accepts it; with the key changed, it does not.
    other = actions.create_network(
        slug="other", name="Other", kind="national", secretariat=world.jordan
    )
    settings.NETWORK_SIGNING_KEY = base64.b64encode(OTHER_SEED).decode()
    PeerInstance.objects.create(
        network=other, name="here", public_key=base64.b64decode(network.public_key_text())
    )
    with pytest.raises(AggregateFileError):
        network.import_file(other, exported)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (lambda: signed(GOOD).replace(b",12\r\n", b",13\r\n"), "changed after"),
        (lambda: signed(GOOD, nacl.signing.SigningKey.generate()), "does not trust"),
        (lambda: b"Source,Country\r\n" + GOOD.encode(), "not a signed"),
        (
            lambda: signed(body("tunis-cso,TN,2026-03,harm_type,sexual_extortion,3")),
            "below 5",
        ),
        (
            lambda: signed(
                body(
                    "tunis-cso,TN,2026-03,harm_type,sexual_extortion,12",
                    "tunis-cso,TN,2026-03,harm_type,online_grooming,x",
                    "tunis-cso,TN,2026-03,harm_type,TOTAL,15",
                )
            ),
            "single hidden cell",
        ),
        (
            lambda: signed(
                body(
                    "tunis-cso,TN,2026-03,harm_type,sexual_extortion,12",
                    "tunis-cso,TN,2026-03,harm_type,TOTAL,15",
                )
            ),
            "do not add up",
        ),
        (lambda: signed(body("tunis-cso,TN,2026-03,narrative,He said hello,12")), "dimension"),
        (lambda: signed(body("tunis-cso,TN,2026-03,harm_type,He said hello,12")), "category"),
        (lambda: signed(body("Tunis CSO!,TN,2026-03,harm_type,TOTAL,12")), "short code"),
        (lambda: signed(body("tunis-cso,ZZ,2026-03,harm_type,TOTAL,12")), "country"),
        (lambda: signed(body("tunis-cso,TN,2026-13,harm_type,TOTAL,12")), "YYYY-MM"),
        (lambda: signed(body("tunis-cso,TN,2026-03,harm_type,TOTAL,-7")), "neither"),
        (lambda: signed(body("tunis-cso,TN,2026-03,harm_type,TOTAL,12,extra")), "columns"),
        (lambda: signed("not,hxl\r\n1,2\r\n"), "hashtag row"),
        (lambda: signed(GOOD)[:-40] + b"\xff\xfe", "changed after"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    world: World, regional: Network, trusting: PeerInstance, data: Any, problem: str
) -> None:
    with pytest.raises(AggregateFileError) as refused:
        actions.import_aggregates(regional, data(), world.alice.user)
    assert problem in " ".join(refused.value.messages)
    assert not SharedAggregate.objects.filter(peer__isnull=False).exists()


def test_peers_cannot_be_this_instance_or_twice(world: World, regional: Network) -> None:
    with pytest.raises(actions.NetworkError):
        actions.add_peer(regional, "self", network.public_key_text(), world.alice.user)
    key = base64.b64encode(bytes(_other_key().verify_key)).decode()
    actions.add_peer(regional, "tunisia", key, world.alice.user)
    with pytest.raises(actions.NetworkError):
        actions.add_peer(regional, "tunisia-again", key, world.alice.user)
    with pytest.raises(AggregateFileError):
        actions.add_peer(regional, "broken", "not base64!", world.alice.user)


def test_refresh_shares_again(world: World, regional: Network) -> None:
    past_report(world.amane, 100, 3)
    actions.refresh_shared()
    march = SharedAggregate.objects.get(
        source="amane", dimension=network.REPORTS, month=date(2026, 3, 1)
    )
    assert march.count == 8


def test_the_nightly_job_shares_again(world: World, regional: Network) -> None:
    from digiamen.evidence import tasks

    past_report(world.jordan, 200, 4)
    assert tasks.share_network_figures.call_local() > 0
    assert SharedAggregate.objects.filter(source="jordan", month=date(2026, 4, 1)).exists()


def test_a_queued_share_does_nothing_once_sharing_stopped(world: World, regional: Network) -> None:
    member = NetworkMember.objects.get(network=regional, organisation=world.jordan)
    actions.set_sharing(member, False, world.alice.user)
    assert actions.share_if_sharing(member.pk) == 0
    assert not SharedAggregate.objects.filter(organisation=world.jordan).exists()


def test_network_signing_key_is_its_own_not_secret_keys(regional: Network, settings: Any) -> None:
    exported = network.export_file(regional)
    key_before = network.public_key_text()
    assert key_before in exported.decode()
    assert network.signing_key().encode() != network.legacy_signing_seed()
    # A new SECRET_KEY leaves the signing key alone; a new signing key changes it.
    settings.SECRET_KEY = "a-completely-different-secret-key-for-this-test-only-0123"
    assert network.public_key_text() == key_before
    settings.NETWORK_SIGNING_KEY = base64.b64encode(OTHER_SEED).decode()
    assert network.public_key_text() == base64.b64encode(bytes(_other_key().verify_key)).decode()


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_network_signing_key_malformed_is_refused(settings: Any, value: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.NETWORK_SIGNING_KEY = value
    assert network.parse_signing_seed(value) is None
    with pytest.raises(ImproperlyConfigured):
        network.signing_key()


def test_prevention_work_is_shared_within_the_network_and_not_in_peer_files(
    world: World, regional: Network, signed_in: Any
) -> None:
    from django.utils import timezone

    from digiamen.awareness.models import AwarenessSession

    today = timezone.localdate()
    AwarenessSession.objects.create(
        organisation=world.amane,
        held_on=today,
        admin1="MA-04",
        setting="school",
        audience="adolescents",
        participants={"14_17": {"female": 20, "male": 20}, "adult": {"female": 3, "male": 0}},
        children_reached=40,
        adults_reached=3,
        recorded_by=world.bob.user,
    )
    for member in regional.members.all():
        network.share(member, today)
    shared = dict(
        SharedAggregate.objects.filter(
            network=regional, organisation=world.amane, dimension=network.AWARENESS
        ).values_list("value", "count")
    )
    assert shared == {"sessions": 1, "children": 40, "adults": 3}
    month = today.strftime("%Y-%m")
    reach = network.network_reach(regional, statistics.period(month, month))
    assert reach.rows == [("Morocco", [1, 40, 3])] and reach.totals == [1, 40, 3]
    assert network.AWARENESS.encode() not in network.export_file(regional)
    nora = world.add_member("nora", world.amane, "network_coordinator")
    page = signed_in(nora).get(
        f"/en/staff/amane/networks/mena/?rows=harm_type&start={month}&end={month}"
    )
    assert "Prevention: awareness sessions and people reached" in page.content.decode()


def _prevention_file(*lines: str, key: nacl.signing.SigningKey | None = None) -> bytes:
    data = body(*lines).encode("utf-8")
    key = key or _other_key()
    public = base64.b64encode(bytes(key.verify_key)).decode()
    signature = base64.b64encode(key.sign(data).signature).decode()
    first = f"{network.PREVENTION_MAGIC},ed25519:{public},signature:{signature}\r\n"
    return first.encode() + data


def test_a_peers_prevention_file_is_kept_beside_its_figures(
    world: World, regional: Network, trusting: PeerInstance
) -> None:
    prevention = _prevention_file(
        "tunis-cso,TN,2026-03,awareness,sessions,2",
        "tunis-cso,TN,2026-03,awareness,children,61",
        "tunis-cso,TN,2026-03,awareness,adults,4",
    )
    peer, stored = actions.import_aggregates(regional, prevention, world.alice.user)
    assert peer == trusting and stored == 3
    # The figures file of the same months does not wipe the prevention work, nor the reverse.
    actions.import_aggregates(regional, signed(GOOD), world.alice.user)
    actions.import_aggregates(regional, prevention, world.alice.user)
    assert SharedAggregate.objects.filter(peer=trusting).count() == 5 + 3
    reach = network.network_reach(regional, YEAR)
    assert ("Tunisia", [2, 61, 4]) in reach.rows


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("tunis-cso,TN,2026-03,harm_type,sexual_extortion,12", "dimension"),
        ("tunis-cso,TN,2026-03,awareness,names,12", "category"),
        ("tunis-cso,TN,2026-03,awareness,sessions,x", "neither"),
        ("tunis-cso,TN,2026-03,awareness,sessions,-1", "neither"),
        ("Tunis CSO!,TN,2026-03,awareness,sessions,1", "short code"),
    ],
)
def test_a_bad_prevention_file_is_refused_and_nothing_is_stored(
    world: World, regional: Network, trusting: PeerInstance, line: str, problem: str
) -> None:
    with pytest.raises(AggregateFileError) as refused:
        actions.import_aggregates(regional, _prevention_file(line), world.alice.user)
    assert problem in " ".join(refused.value.messages)
    assert not SharedAggregate.objects.filter(peer=trusting).exists()


def test_this_instances_prevention_file_reads_at_a_trusting_peer(
    world: World, regional: Network, settings: Any
) -> None:
    from django.utils import timezone

    from digiamen.awareness.models import AwarenessSession

    AwarenessSession.objects.create(
        organisation=world.amane,
        held_on=timezone.localdate(),
        admin1="MA-04",
        setting="school",
        audience="children",
        participants={},
        children_reached=33,
        adults_reached=0,
        recorded_by=world.bob.user,
    )
    for member in regional.members.all():
        network.share(member, timezone.localdate())
    exported = network.export_prevention_file(regional)
    assert exported.startswith(network.PREVENTION_MAGIC.encode())
    assert b",awareness,children,33" in exported
    other = actions.create_network(
        slug="other", name="Other", kind="national", secretariat=world.jordan
    )
    PeerInstance.objects.create(
        network=other, name="here", public_key=base64.b64decode(network.public_key_text())
    )
    peer, stored = network.import_file(other, exported)
    assert peer.name == "here" and stored == 3
