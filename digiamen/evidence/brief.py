"""The advocacy brief: a PDF of key figures, charts and tables for a period, in one language.

Everything in it comes from protected tables (``statistics.count_table``) and the platform
report, so it holds no small count, no free text and no case id, like every other export.
WeasyPrint draws it from an HTML template; nothing is fetched while drawing (no URL is
resolved), and the fonts are the machine's own (DejaVu covers Arabic, French and English).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.core.pdf import PdfUnavailable, render_pdf
from digiamen.evidence import accountability, charts, exports, prevention, statistics, voices
from digiamen.evidence.statistics import Period, StatisticsTable

BRIEF_TABLES = ["harm_type", "age_band", "sex", "platform"]


# Where PDFs are drawn (core.pdf); the names the evidence and safeguarding views know.
BriefUnavailable = PdfUnavailable


def brief_html(
    organisation: Organisation, chosen: Period, selected: StatisticsTable | None = None
) -> str:
    trend = statistics.count_table(organisation, ["month"], chosen)
    tables = [statistics.count_table(organisation, [code], chosen) for code in BRIEF_TABLES]
    if selected is not None and [d.code for d in selected.dimensions] not in (
        [[code] for code in [*BRIEF_TABLES, "month"]]
    ):
        tables.append(selected)
    platforms = accountability.platform_report([organisation.pk], chosen)
    reach = prevention.reach_table(organisation, "admin1", chosen)
    context = {
        "organisation": organisation,
        "period": chosen,
        "language": get_language(),
        "direction": "rtl" if get_language_bidi() else "ltr",
        "made_on": timezone.localdate(),
        "trend": trend,
        "trend_chart": charts.table_chart(trend) if trend.rows else "",
        "tables": [(table, charts.print_table_chart(table)) for table in tables if table.rows],
        "counted": trend.counted,
        "excluded": trend.excluded,
        "excluded_percent": round(trend.excluded_share * 100),
        "platforms": [
            (label, figures.shown(platforms.threshold))
            for _code, label, figures, _months in platforms.platforms
        ],
        # Prevention beside reporting, when the organisation held sessions in the period.
        "reach": reach if any(activity[0] for activity in reach.activity) else None,
        "around": prevention.before_and_after(organisation, chosen),
        # What children said of the help they got, once there are enough answers.
        "voices": voices.answer_tables(organisation, "service_type", chosen),
        "legend": exports.legend(statistics.threshold()),
        "title": _("Evidence brief"),
    }
    return render_to_string("evidence/brief.html", context)


def brief_pdf(
    organisation: Organisation, chosen: Period, selected: StatisticsTable | None = None
) -> bytes:
    return render_pdf(brief_html(organisation, chosen, selected))
