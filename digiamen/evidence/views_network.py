"""Networks: the combined cross-border table, the coordinator's settings (members, trusted
peer instances, signed files) and each member's choice to share; and the platform
accountability (transparency) report of an organisation or of a network."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.core.errors import ActionError
from digiamen.core.text import isolated
from digiamen.evidence import (
    accountability,
    actions,
    charts,
    exports,
    network,
    prevention,
    services,
    statistics,
    voices,
)
from digiamen.evidence.forms import (
    AddMemberForm,
    AggregateFileForm,
    NetworkStatisticsForm,
    PeerForm,
    PeriodForm,
    PreventionForm,
    ServiceOutcomesForm,
)
from digiamen.evidence.models import PeerInstance
from digiamen.evidence.permissions import (
    network_coordinator,
    sharing_admin,
    statistics_reader,
)
from digiamen.evidence.statistics import StatisticsError
from digiamen.networks.models import Network, NetworkMember

MAX_UPLOAD_BYTES = network.MAX_FILE_BYTES


def _period(
    form: PeriodForm | NetworkStatisticsForm | ServiceOutcomesForm | PreventionForm,
) -> statistics.Period | None:
    """The form's period, or None with the error added to the form."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    try:
        return statistics.period(data.get("start", ""), data.get("end", ""))
    except StatisticsError as error:
        form.add_error(None, error.message)
        return None


def _attachment(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Platform accountability -------------------------------------------------------------------


def _platform_context(report: accountability.PlatformReport) -> dict[str, Any]:
    rows = [
        (
            label,
            figures.shown(report.threshold),
            [
                (month, month_figures.shown(report.threshold))
                for month, month_figures in months.items()
            ],
        )
        for _code, label, figures, months in report.platforms
    ]
    items: list[tuple[str, int | str]] = []
    for label, shown, _months in rows:
        median = shown["median_hours"]
        items.append((label, round(median) if isinstance(median, float) else "-"))
    chart = charts.bar_chart(
        items,
        title=_("Median hours to removal, by platform"),
        description=_(
            "Bar chart of the median hours from the request to the removal, per platform, as "
            "in the table below. Platforms with too few removals have no bar."
        ),
        right_to_left=get_language_bidi(),
    )
    return {"report": report, "rows": rows, "chart": chart}


def _platforms(
    request: HttpRequest,
    membership: Membership,
    organisation_ids: list[int],
    title: str,
    export_url: str,
) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    chosen = _period(form)
    context: dict[str, Any] = {
        "membership": membership,
        "form": form,
        "title": title,
        "export_url": export_url,
        "query": request.GET.urlencode(),
    }
    if chosen is None:
        return render(request, "evidence/platforms.html", context, status=400)
    report = accountability.platform_report(organisation_ids, chosen)
    if request.GET.get("format") == "csv":
        name = f"transparency-{timezone.localdate().isoformat()}.csv"
        return _attachment(exports.transparency_csv(report), "text/csv; charset=utf-8", name)
    context.update(_platform_context(report))
    return render(request, "evidence/platforms.html", context)


@staff_required
@require_GET
def platforms_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = statistics_reader(request, org)
    title = _("Platform accountability: %(organisation)s") % {
        "organisation": isolated(membership.organisation.name)
    }
    return _platforms(request, membership, [membership.organisation.pk], title, request.path)


@staff_required
@require_GET
def network_platforms_page(request: HttpRequest, org: str, network_slug: str) -> HttpResponse:
    membership, chosen_network = network_coordinator(request, org, network_slug)
    sharing = list(
        chosen_network.members.filter(shares_statistics=True).values_list(
            "organisation_id", flat=True
        )
    )
    title = _("Platform accountability: %(network)s") % {"network": isolated(chosen_network.name)}
    return _platforms(request, membership, sharing, title, request.path)


# --- The network's combined table --------------------------------------------------------------


@staff_required
@require_GET
def network_statistics(request: HttpRequest, org: str, network_slug: str) -> HttpResponse:
    membership, chosen_network = network_coordinator(request, org, network_slug)
    form = NetworkStatisticsForm(request.GET or None)
    chosen = _period(form)
    context: dict[str, Any] = {
        "membership": membership,
        "network": chosen_network,
        "form": form,
        "members": chosen_network.members.select_related("organisation"),
        "peers": chosen_network.peers.count(),
    }
    if chosen is None:
        return render(request, "evidence/network_statistics.html", context, status=400)
    code = form.cleaned_data["rows"] if form.is_bound else "harm_type"
    table = network.combined_table(chosen_network, code, chosen)
    width = len(table.columns)
    items = [(label, table.cell(i, width)) for i, (_code, label) in enumerate(table.rows)]
    label = table.dimension.label if table.dimension else _("Month")
    context.update(
        table=table,
        reach=network.network_reach(chosen_network, chosen),
        voices=voices.network_tables(chosen_network, chosen),
        row_label=label,
        legend=exports.legend(table.protected.threshold),
        chart=(charts.line_chart if code == "month" else charts.bar_chart)(
            items,
            title=_("Reports by %(dimension)s, all countries") % {"dimension": label},
            description=_(
                "Chart of the totals column of the table below. Hidden values are not drawn."
            ),
            right_to_left=get_language_bidi(),
        ),
    )
    return render(request, "evidence/network_statistics.html", context)


# --- The coordinator's settings ----------------------------------------------------------------


def _settings_context(membership: Membership, chosen_network: Network) -> dict[str, Any]:
    return {
        "membership": membership,
        "network": chosen_network,
        "members": chosen_network.members.select_related("organisation"),
        "peers": chosen_network.peers.all(),
        "public_key": network.public_key_text(),
        "member_form": AddMemberForm(),
        "peer_form": PeerForm(),
        "file_form": AggregateFileForm(),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def network_settings(request: HttpRequest, org: str, network_slug: str) -> HttpResponse:
    membership, chosen_network = network_coordinator(request, org, network_slug)
    context = _settings_context(membership, chosen_network)
    if request.method == "GET":
        return render(request, "evidence/network_settings.html", context)
    user = current_user(request)
    operation = request.POST.get("operation", "")
    try:
        if operation == "add_member":
            form: Any = AddMemberForm(request.POST)
            context["member_form"] = form
            if form.is_valid():
                actions.add_member(chosen_network, form.cleaned_data["organisation"], user)
                messages.success(request, _("The organisation is a member now."))
                return redirect(request.path)
        elif operation == "remove_member":
            member = get_object_or_404(
                NetworkMember, pk=_number(request.POST.get("member")), network=chosen_network
            )
            actions.remove_member(member, user)
            messages.success(request, _("The organisation is no longer a member."))
            return redirect(request.path)
        elif operation == "add_peer":
            form = PeerForm(request.POST)
            context["peer_form"] = form
            if form.is_valid():
                actions.add_peer(
                    chosen_network, form.cleaned_data["name"], form.cleaned_data["public_key"], user
                )
                messages.success(request, _("The instance is trusted now."))
                return redirect(request.path)
        elif operation == "remove_peer":
            peer = get_object_or_404(
                PeerInstance, pk=_number(request.POST.get("peer")), network=chosen_network
            )
            actions.remove_peer(peer, user)
            messages.success(request, _("The instance is no longer trusted; its figures are gone."))
            return redirect(request.path)
        elif operation == "import":
            form = AggregateFileForm(request.POST, request.FILES)
            context["file_form"] = form
            if form.is_valid():
                upload = form.cleaned_data["file"]
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error("file", _("The file is too large."))
                else:
                    peer, stored = actions.import_aggregates(chosen_network, upload.read(), user)
                    messages.success(
                        request,
                        _("%(count)s figures of %(peer)s imported.")
                        % {"count": stored, "peer": peer.name},
                    )
                    return redirect(request.path)
        else:
            context["error"] = _("This request is not understood.")
    except network.AggregateFileError as error:
        context["file_errors"] = error.messages
    except ActionError as error:
        context["error"] = error.message
    return render(request, "evidence/network_settings.html", context, status=400)


def _number(text: str | None) -> int:
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 12 else 0


@staff_required
@require_GET
def network_export(request: HttpRequest, org: str, network_slug: str) -> HttpResponse:
    _membership, chosen_network = network_coordinator(request, org, network_slug)
    if request.GET.get("what") == "prevention":
        name = f"{chosen_network.slug}-prevention-{timezone.localdate().isoformat()}.hxl.csv"
        data = network.export_prevention_file(chosen_network)
    else:
        name = f"{chosen_network.slug}-aggregates-{timezone.localdate().isoformat()}.hxl.csv"
        data = network.export_file(chosen_network)
    return _attachment(data, "text/csv; charset=utf-8", name)


# --- A member's choice -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def sharing_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = sharing_admin(request, org)
    members = NetworkMember.objects.filter(organisation=membership.organisation).select_related(
        "network"
    )
    context: dict[str, Any] = {"membership": membership, "members": members}
    if request.method == "GET":
        return render(request, "evidence/sharing.html", context)
    member = get_object_or_404(members, pk=_number(request.POST.get("member")))
    share = request.POST.get("share") == "on"
    try:
        actions.set_sharing(member, share, current_user(request))
    except ActionError as error:
        context["error"] = error.message
        return render(request, "evidence/sharing.html", context, status=400)
    text = (
        _("Your monthly figures are being shared with %(network)s; they reach it in a few minutes.")
        if share
        else _("Your figures are no longer shared with %(network)s; what was shared is deleted.")
    )
    messages.success(request, text % {"network": isolated(member.network.name)})
    return redirect(request.path)


# --- Service outcomes --------------------------------------------------------------------------


@staff_required
@require_GET
def services_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = statistics_reader(request, org)
    form = ServiceOutcomesForm(request.GET or None)
    chosen = _period(form)
    context: dict[str, Any] = {"membership": membership, "form": form}
    if chosen is None:
        return render(request, "evidence/services.html", context, status=400)
    grouping = form.cleaned_data["rows"] if form.is_bound else "service_type"
    answers_by = (form.cleaned_data["answers_by"] if form.is_bound else "") or "service_type"
    table = services.outcome_table(membership.organisation, grouping, chosen)
    context.update(
        table=table,
        legend=exports.legend(table.protected.threshold),
        voices=voices.answer_tables(membership.organisation, answers_by, chosen),
    )
    return render(request, "evidence/services.html", context)


@staff_required
@require_safe
def feedback_words(request: HttpRequest, org: str) -> HttpResponse:
    """What children wrote with their answers: for supervisors, who act on it."""
    membership = get_membership(request, org, [Role.SUPERVISOR])
    form = PeriodForm(request.GET or None)
    chosen = _period(form)
    context: dict[str, Any] = {"membership": membership, "form": form}
    if chosen is None:
        return render(request, "evidence/feedback_words.html", context, status=400)
    context["words"] = voices.words(request, membership.organisation, chosen)
    return render(request, "evidence/feedback_words.html", context)


@staff_required
@require_safe
def prevention_page(request: HttpRequest, org: str) -> HttpResponse:
    """Sessions held and people reached beside the reports received, and the reports of the
    90 days before and after the first session in each area."""
    membership = statistics_reader(request, org)
    form = PreventionForm(request.GET or None)
    chosen = _period(form)
    context: dict[str, Any] = {"membership": membership, "form": form}
    if chosen is None:
        return render(request, "evidence/prevention.html", context, status=400)
    grouping = form.cleaned_data["rows"] if form.is_bound else "month"
    organisation = membership.organisation
    table = prevention.reach_table(organisation, grouping, chosen)
    right_to_left = get_language_bidi()
    rows = table.as_rows()[:-1]
    context.update(
        table=table,
        around=prevention.before_and_after(organisation, chosen),
        legend=exports.legend(table.reports.threshold),
        reports_chart=charts.stacked_bar_chart(
            [(label, cells) for label, _activity, cells, _total in rows],
            [_("Through a campaign"), _("Other reports")],
            title=_("Reports received"),
            description=_(
                "Bar chart of the reports received, through a campaign or not, as in the table."
            ),
            right_to_left=right_to_left,
        ),
        reach_chart=charts.bar_chart(
            [(label, activity[1]) for label, activity, _cells, _total in rows],
            title=_("Children reached by awareness sessions"),
            description=_("Bar chart of the children reached, as in the table."),
            right_to_left=right_to_left,
        ),
    )
    return render(request, "evidence/prevention.html", context)


@staff_required
@require_safe
def prevention_export(request: HttpRequest, org: str) -> HttpResponse:
    """The prevention table as HXL (humanitarian data exchange), as protected as on the page."""
    membership = statistics_reader(request, org)
    form = PreventionForm(request.GET or None)
    chosen = _period(form)
    if chosen is None:
        context = {"membership": membership, "form": form}
        return render(request, "evidence/prevention.html", context, status=400)
    grouping = form.cleaned_data["rows"] if form.is_bound else "month"
    table = prevention.reach_table(membership.organisation, grouping, chosen)
    response = HttpResponse(exports.prevention_hxl(table), content_type="text/csv; charset=utf-8")
    name = f"prevention-{grouping}-{timezone.localdate().isoformat()}.hxl.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
