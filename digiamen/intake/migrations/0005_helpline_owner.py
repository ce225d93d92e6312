"""Every helpline gets an owner organisation, whose admins alone change or remove it.

Existing helplines were shared by every organisation of their country. Each goes to the
organisation that already answers for the children of that country, in the order reports
are routed (``intake.routing.route``, rewritten here because a data migration must not import
the application's code):

1. the organisation of the country's whole-country routing rule: the children who see the
   number after a report are that organisation's reporters;
2. else the oldest organisation of the country (when there is exactly one, that one);
3. else the instance's fallback organisation (``INTAKE_FALLBACK_ORGANISATION``), else the
   oldest organisation: the one that receives the country's reports today, for a country
   no organisation is in (the demo numbers of Tunisia, Egypt ...).

The oldest rather than, say, the one with most members, because it is what routing already
does, so nobody gains numbers they did not answer for before. An admin who gets a number they
do not keep can remove it; the organisation that should keep it adds it again.

An instance without any organisation cannot receive a report (routing has nobody to send it
to), so no receipt page shows its helplines and no admin could ever correct them: those rows
are removed rather than left without an owner.

The column becomes required in the next migration, in its own transaction: PostgreSQL does
not alter a table that has rows updated earlier in the same transaction.
"""

from django.conf import settings
from django.db import migrations, models


def assign_owners(apps, schema_editor):
    Helpline = apps.get_model("intake", "Helpline")
    RoutingRule = apps.get_model("intake", "RoutingRule")
    Organisation = apps.get_model("accounts", "Organisation")
    by_age = Organisation.objects.order_by("created_at", "id")
    fallback_slug = getattr(settings, "INTAKE_FALLBACK_ORGANISATION", "")
    fallback = (by_age.filter(slug=fallback_slug).first() if fallback_slug else None) or (
        by_age.first()
    )
    if fallback is None:
        Helpline.objects.filter(owner__isnull=True).delete()
        return
    countries = (
        Helpline.objects.filter(owner__isnull=True)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )
    for country in list(countries):
        rule = RoutingRule.objects.filter(country=country, admin1="").first()
        owner = (
            (rule.organisation if rule is not None else None)
            or by_age.filter(country=country).first()
            or fallback
        )
        Helpline.objects.filter(owner__isnull=True, country=country).update(owner=owner)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organisation_discreet_title"),
        ("intake", "0004_report_perpetrator_relationship"),
    ]

    operations = [
        migrations.AddField(
            model_name="helpline",
            name="owner",
            field=models.ForeignKey(
                null=True,
                on_delete=models.PROTECT,
                related_name="helplines",
                to="accounts.organisation",
            ),
        ),
        migrations.RunPython(assign_owners, migrations.RunPython.noop),
    ]
