"""Case work pages: queues, the supervisor dashboard, and the case page with its steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from digiamen.accounts import time_zones
from digiamen.accounts.models import Membership, Role, User
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.cases import (
    actions,
    case_file,
    case_record,
    duplicates,
    next_step,
    queues,
    replies,
    saved_filters,
)
from digiamen.cases.actions.base import event_content
from digiamen.cases.forms import (
    AssignForm,
    BulkAssignForm,
    CaseSettingsForm,
    CloseForm,
    ConsentForm,
    EscalationAnswerForm,
    EscalationForm,
    OverrideForm,
    ProtocolForm,
    QueueFilterForm,
    RecordUploadForm,
    SavedFilterForm,
    TaskForm,
    TextForm,
    TransferForm,
    TriageForm,
    VersionedForm,
)
from digiamen.cases.known_images import matches_for_case
from digiamen.cases.models import (
    Case,
    CaseEvent,
    Escalation,
    Note,
    ProtocolTick,
    Task,
    Transfer,
)
from digiamen.cases.permissions import CaseAccess, case_member, get_case
from digiamen.channels.models import Conversation
from digiamen.core import audit, encryption, jsonlists, tampering, writings
from digiamen.core.pdf import PdfUnavailable
from digiamen.core.taxonomy import AgeBand, Channel, HarmType, RiskLevel
from digiamen.core.templatetags.taxonomy import place_name
from digiamen.core.text import list_separator
from digiamen.core.views import render_error
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report
from digiamen.media.models import ImageMatch, ReportedImage

PAGE_SIZE = 50


def filter_cases(membership: Membership, data: dict[str, Any]) -> QuerySet[Case]:
    """The organisation's cases narrowed by a queue and filters (pages and the API)."""
    cases = Case.objects.filter(organisation=membership.organisation).select_related(
        "report", "assigned_to"
    )
    queue = data.get("queue") or "new"
    condition = queues.queue_condition(queue, membership, timezone.now())
    if condition is not None:
        cases = cases.filter(condition)
    if data.get("status"):
        cases = cases.filter(status=data["status"])
    # Every filter reads the case's own columns (the report's categories are copied onto it):
    # counting and finding a page never join the reports.
    if data.get("harm"):
        cases = jsonlists.holding(cases, "harm_types", data["harm"])
    if data.get("risk"):
        cases = cases.filter(risk_level=data["risk"])
    if data.get("admin1"):
        cases = cases.filter(admin1=data["admin1"].upper())
    if data.get("age"):
        cases = cases.filter(age_band=data["age"])
    if data.get("channel"):
        cases = cases.filter(channel=data["channel"])
    if data.get("number"):
        cases = cases.filter(number=data["number"].strip().upper())  # numbers are upper case
    if queue == "overdue":
        return cases.order_by("first_contact_due", "-id")
    return queues.by_danger(cases)


# What a queue row shows, and nothing else: the report's sealed fields stay in the database.
QUEUE_ROW_FIELDS = (
    "number",
    "version",
    "created_at",
    "status",
    "risk_level",
    "urgent_flags",
    "first_contact_due",
    "first_contacted_at",
    "assigned_to__username",
    "report__harm_types",
    "report__country",
    "report__admin1",
    "report__age_band",
    "report__channel",
    "known_picture",
    "replied",
)


@dataclass(frozen=True)
class QueueRow:
    """One case of a queue page, its codes already in words."""

    number: str
    received: str
    harms: str
    risk: str
    urgent: bool
    place: str
    age: str
    channel: str
    status: str
    overdue: bool
    known_picture: bool
    replied: bool
    due: str
    # "in 2 h 10 min", "overdue by 25 min"; empty once contacted or closed.
    due_in: str
    assignee: str
    version: int  # for a "Take" button (the case as it was listed)
    takeable: bool  # nobody's yet, and not closed


def _minute(moment: datetime) -> str:
    """The ``date:"Y-m-d H:i"`` of the templates, in the current time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def queue_rows(values: list[dict[str, Any]]) -> list[QueueRow]:
    """The page's rows in one pass: each label looked up once per page, not per row."""
    language = translation.get_language() or "en"
    harm_names = choice_labels(HarmType.choices)
    risks, statuses = choice_labels(RiskLevel.choices), choice_labels(Case.Status.choices)
    ages, channels = choice_labels(AgeBand.choices), choice_labels(Channel.choices)
    separator = list_separator(language)  # as the harm_labels filter
    places_seen: dict[tuple[str, str], str] = {}
    now = timezone.now()
    rows = []
    for row in values:
        waiting = row["first_contacted_at"] is None and row["status"] != Case.Status.CLOSED
        where = (row["report__country"], row["report__admin1"])
        if where not in places_seen:
            places_seen[where] = place_name(SimpleNamespace(country=where[0], admin1=where[1]))
        rows.append(
            QueueRow(
                number=row["number"],
                received=_minute(row["created_at"]),
                harms=separator.join(
                    harm_names.get(code, code) for code in row["report__harm_types"] or []
                ),
                risk=risks.get(row["risk_level"], row["risk_level"]),
                urgent=bool(row["urgent_flags"]),
                place=places_seen[where],
                age=ages.get(row["report__age_band"], row["report__age_band"]),
                channel=channels.get(row["report__channel"], row["report__channel"]),
                status=statuses.get(row["status"], row["status"]),
                # As Case.is_overdue.
                overdue=waiting and row["first_contact_due"] < now,
                known_picture=bool(row.get("known_picture")),
                replied=bool(row.get("replied")),
                due=_minute(row["first_contact_due"]),
                due_in=time_zones.relative(row["first_contact_due"], now) if waiting else "",
                assignee=row["assigned_to__username"] or "",
                version=row["version"],
                takeable=not row["assigned_to__username"] and row["status"] != Case.Status.CLOSED,
            )
        )
    return rows


def choice_labels(choices: Any) -> dict[str, str]:
    """Codes to words in the current language, translated once."""
    return {value: str(label) for value, label in choices}


@staff_required
@require_safe
def queue(request: HttpRequest, org: str) -> HttpResponse:
    membership = case_member(request, org)
    form = QueueFilterForm(request.GET or None)
    saved_id = request.GET.get("saved", "")
    if saved_id:
        # A saved filter, as far as it still applies (it is the member's own: never a URL's).
        entry = saved_filters.find(membership.saved_filters or [], saved_id)
        if entry is None:
            messages.error(request, _("This saved filter no longer exists."))
            form = QueueFilterForm(QueryDict())  # the queue as it opens, told why
        else:
            form, dropped = saved_filters.applied(entry)
            if dropped:
                messages.error(
                    request,
                    _("Part of this saved filter no longer applies and was left out: %(parts)s.")
                    % {"parts": list_separator(translation.get_language()).join(dropped)},
                )
    return _queue_page(request, membership, form)


def _queue_page(
    request: HttpRequest,
    membership: Membership,
    form: QueueFilterForm,
    *,
    save_form: SavedFilterForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    data = form.cleaned_data if form.is_valid() else {}
    # Counted on the cases alone (a count of values() would join the reports for nothing);
    # the page's rows only, as values.
    # The badges, asked for the page's rows only (a count leaves unused annotations out).
    cases = filter_cases(membership, data).annotate(
        known_picture=Exists(ImageMatch.objects.filter(image__report_id=OuterRef("report_id"))),
        replied=queues.unread_replies(),
    )
    paginator = Paginator(cases, PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    # Caseworkers take unassigned cases from the queue where the organisation allows it.
    self_assignment = actions.self_assignment_allowed(membership.organisation)
    return render(
        request,
        "cases/queue.html",
        {
            "membership": membership,
            "form": form,
            "page": page,
            "rows": queue_rows(
                list(cast(QuerySet[Case], page.object_list).values(*QUEUE_ROW_FIELDS))
            ),
            "queue": data.get("queue") or "new",
            "now": timezone.now(),
            "self_assignment": self_assignment,
            "may_take": membership.role == Role.CASEWORKER and self_assignment,
            # The categories of the filter shown, to save it under a name.
            "filter_params": saved_filters.params_of(data),
            "save_filter_form": save_form or SavedFilterForm(),
            # Supervisors tick cases and assign them in one go.
            "bulk_form": (
                BulkAssignForm(membership.organisation)
                if membership.role == Role.SUPERVISOR
                else None
            ),
        },
        status=status or (200 if form.is_valid() or not request.GET else 400),
    )


@staff_required
@require_POST
def save_filter(request: HttpRequest, org: str) -> HttpResponse:
    """Keep the queue's current filter (its categories) under a name, for this member."""
    membership = case_member(request, org)
    name_form = SavedFilterForm(request.POST)
    filter_form = QueueFilterForm(request.POST)
    if not name_form.is_valid() or not filter_form.is_valid():
        # Refused, nothing kept: the queue again, with the filter that was on it and why.
        messages.error(request, _("Give the filter a name of up to 60 characters."))
        return _queue_page(
            request, membership, _posted_filter(request.POST), save_form=name_form, status=400
        )
    try:
        params = saved_filters.params_of(filter_form.cleaned_data)
        filter_id = actions.save_queue_filter(membership, name_form.cleaned_data["name"], params)
    except actions.ActionError as error:
        messages.error(request, error.message)
        return _queue_page(
            request, membership, _posted_filter(request.POST), save_form=name_form, status=400
        )
    messages.success(request, _("Filter saved."))
    return redirect(f"{reverse('cases:queue', args=[org])}?saved={filter_id}")


@staff_required
@require_POST
def delete_filter(request: HttpRequest, org: str, filter_id: str) -> HttpResponse:
    membership = case_member(request, org)
    if not actions.delete_queue_filter(membership, filter_id):
        raise Http404  # another member's, or gone already
    messages.success(request, _("Filter deleted."))
    return redirect("cases:queue", org)


def _posted_filter(posted: Any) -> QueueFilterForm:
    """The queue's filter as it was posted with a refused save (its valid categories)."""
    form, _dropped = saved_filters.applied(
        {"params": {key: posted.get(key, "") for key in saved_filters.SAVED_KEYS}}
    )
    return form


@staff_required
@require_POST
def assign_cases(request: HttpRequest, org: str) -> HttpResponse:
    """The queue's ticked cases to one member (supervisors), all or none."""
    membership = get_membership(request, org, [Role.SUPERVISOR])
    form = BulkAssignForm(membership.organisation, request.POST)
    if not form.is_valid():
        return _not_assigned(request, org, str(next(iter(form.errors.values()))[0]))
    try:
        done = actions.assign_many(
            membership.organisation,
            current_user(request),
            numbers=form.cleaned_data["case"],
            assignee=form.cleaned_data["assignee"],
            keyring=getattr(request, "keyring", None),
        )
    except actions.ActionError as error:
        return _not_assigned(request, org, str(error.message))
    messages.success(
        request,
        ngettext("%(count)d case assigned.", "%(count)d cases assigned.", len(done))
        % {"count": len(done)},
    )
    return redirect("cases:queue", org)


def _not_assigned(request: HttpRequest, org: str, why: str) -> HttpResponse:
    """A 400 that says why nothing was assigned, with the way back to the queue."""
    return render(
        request,
        "cases/not_assigned.html",
        {"why": why, "queue_url": reverse("cases:queue", args=[org])},
        status=400,
    )


@staff_required
@require_safe
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.SUPERVISOR])
    now = timezone.now()
    cases = Case.objects.filter(organisation=membership.organisation)
    open_cases = cases.exclude(status=Case.Status.CLOSED)
    counts = cases.aggregate(
        new=Count("id", filter=Q(status=Case.Status.NEW)),
        triaged=Count("id", filter=Q(status=Case.Status.TRIAGED)),
        open=Count("id", filter=Q(status=Case.Status.OPEN)),
        closed=Count("id", filter=Q(status=Case.Status.CLOSED)),
        high=Count("id", filter=Q(risk_level="high") & ~Q(status=Case.Status.CLOSED)),
        unassigned=Count("id", filter=Q(assigned_to__isnull=True) & ~Q(status=Case.Status.CLOSED)),
        closure_requests=Count(
            "id", filter=Q(closure_requested_at__isnull=False, status=Case.Status.OPEN)
        ),
    )
    overdue = (
        open_cases.filter(first_contacted_at__isnull=True, first_contact_due__lt=now)
        .select_related("report", "assigned_to")
        .order_by("first_contact_due")[:20]
    )
    workload = (
        open_cases.filter(assigned_to__isnull=False)
        .values("assigned_to__username")
        .annotate(total=Count("id"))
        .order_by("-total")
    )
    return render(
        request,
        "cases/dashboard.html",
        {
            "membership": membership,
            "counts": counts,
            "overdue": overdue,
            "workload": workload,
            "now": now,
        },
    )


# Empty forms whose HTML depends on the language alone, rendered once per language.
_EMPTY_FORMS: dict[tuple[type[forms.Form], str], SafeString] = {}


def empty_form_html(form_class: type[forms.Form]) -> SafeString:
    """The HTML of an empty ``form_class``: rendering forms is most of the case page's
    Python time, and these (notes, tasks, messages, consent, escalations) never change."""
    key = (form_class, translation.get_language() or "")
    html = _EMPTY_FORMS.get(key)
    if html is None:
        html = _EMPTY_FORMS[key] = form_class().render()
    return html


def _detail(request: HttpRequest, access: CaseAccess, *, status: int = 200) -> HttpResponse:
    case = access.case
    images = (
        list(ReportedImage.objects.filter(report_id=case.report_id))
        if getattr(case, "has_images", True)
        else []
    )
    context: dict[str, Any] = {
        "membership": access.membership,
        "case": case,
        "access": access,
        "events": CaseEvent.objects.filter(case=case).select_related("actor"),
        "images": images,
        # Matches are of the report's pictures: without pictures, nothing to ask for.
        "image_matches": matches_for_case(case) if images else [],
        "triage_form": TriageForm(
            initial={"version": case.version, "risk": case.risk_level, "flags": case.urgent_flags}
        ),
        "suggested_risk": RiskLevel(
            actions.suggested_risk(case.urgent_flags, case.report.harm_types)
        ).label,
        "assign_form": AssignForm(
            case.organisation, initial={"version": case.version, "assignee": case.assigned_to_id}
        ),
        "close_form": CloseForm(initial={"version": case.version}),
        "note_form": empty_form_html(TextForm),
        "reply_form": empty_form_html(TextForm),
        "task_form": empty_form_html(TaskForm),
        "self_assignment": actions.settings_for(case.organisation).self_assignment,
        "now": timezone.now(),
        "consents": actions.current_consent(case),
        "referrals": case.referrals.select_related("service").order_by("-sent_at", "-id"),
        "consent_form": empty_form_html(ConsentForm),
        "override_form": empty_form_html(OverrideForm),
    }
    if access.may_open:
        ticks = {
            t.step_id: t for t in ProtocolTick.objects.filter(case=case).select_related("done_by")
        }
        language = translation.get_language() or "en"
        context["protocols"] = [
            (
                protocol.harm_type,
                [
                    (step["id"], step.get(language) or step["en"], ticks.get(step["id"]))
                    for step in protocol.steps
                ],
            )
            for protocol in actions.protocols_for_case(case)
        ]
        notes = list(Note.objects.filter(case=case).select_related("author"))
        tasks = list(Task.objects.filter(case=case).select_related("assigned_to"))
        escalations = list(Escalation.objects.filter(case=case))
        sealed = (
            [(bytes(n.body), encryption.Place.of(n, "body", case)) for n in notes]
            + [(bytes(t.title), encryption.Place.of(t, "title", case)) for t in tasks]
            + [
                (bytes(e.content_reference), encryption.Place.of(e, "content_reference", case))
                for e in escalations
            ]
        )
        # Every read of the page (report, messages, notes) audited together, before the
        # page is shown: one append to the chain instead of three.
        with audit.batched():
            opened = intake_actions.open_report(request, case.report)
            texts = (
                encryption.open_many_for_member(
                    request,
                    case.organisation,
                    sealed,
                    audit_object=case,
                    audit_action="case.notes_opened",
                )
                if sealed
                else []
            )
        context["opened"] = opened
        context["reply_route"] = replies.reply_route(case)
        duplicates.index_case(request, case, opened.contact, opened.involved_accounts)
        actions.note_first_opening(case)
        context["duplicates"] = duplicates.possible_duplicates(case)
        decoded = iter(tampering.text_of(text) for text in texts)
        # The sealed values were opened in one batch: notes, then tasks, then escalations.
        context["notes"] = [(note, next(decoded)) for note in notes]
        context["tasks"] = [(task, next(decoded)) for task in tasks]
        context["escalations"] = [(escalation, next(decoded)) for escalation in escalations]
        context["escalation_form"] = empty_form_html(EscalationForm)
        context["transfer_form"] = TransferForm(case.organisation)
        context["transfers"] = Transfer.objects.filter(case=case).select_related("to_organisation")
        if access.is_supervisor and case.status != Case.Status.CLOSED:
            # The page shows both forms (as the template decides): their choices together.
            load_choices(context["assign_form"], context["transfer_form"])
    _check_signatures(context, case)
    context["next_step"] = next_step.suggest(
        access, protocols=context.get("protocols"), self_assignment=context["self_assignment"]
    )
    return render(request, "cases/case_detail.html", context, status=status)


def _check_signatures(context: dict[str, Any], case: Case) -> None:
    """Each written entry the page shows, with whether its author's signature holds (one
    batch: two queries for the whole page)."""
    events = list(context["events"])
    notes, tasks = context.get("notes", []), context.get("tasks", [])
    opened = context.get("opened")
    replies = [
        m for m in (opened.messages if opened else []) if m.direction == "to_reporter" and m.message
    ]
    written = (
        [writings.Written(e, event_content(e), e.actor_id, case.pk) for e in events]
        + [writings.Written(n, text, n.author_id, case.pk) for n, text in notes]
        + [writings.Written(t, title, t.created_by_id, case.pk) for t, title in tasks]
        + [writings.Written(m.message, m.text, m.author_id, case.report_id) for m in replies]
    )
    verdicts = iter(writings.verify(case.organisation, written, audit_object=case))
    context["events"] = [(event, next(verdicts)) for event in events]
    if notes:
        context["notes"] = [(note, text, next(verdicts)) for note, text in notes]
    if tasks:
        context["tasks"] = [(task, title, next(verdicts)) for task, title in tasks]
    for reply in replies:
        reply.signed = next(verdicts)


def load_choices(assign_form: AssignForm, transfer_form: TransferForm) -> None:
    """The assign form's members and the transfer form's organisations in one query (a
    UNION of the forms' own querysets), given to the forms as fixed choices: for showing
    the forms only, their options as the querysets would have listed them (members by
    name, organisations by country and name)."""
    assignees = cast("forms.ModelChoiceField[Any]", assign_form.fields["assignee"])
    organisations = cast("forms.ModelChoiceField[Any]", transfer_form.fields["to_organisation"])
    rows = (
        cast("QuerySet[User]", assignees.queryset)
        .order_by()
        .annotate(kind=Value(0), label=F("username"), sort=Value(""))
        .values_list("kind", "pk", "label", "sort")
        .union(
            cast("QuerySet[Any]", organisations.queryset)
            .order_by()
            .annotate(kind=Value(1), label=F("name"), sort=F("country"))
            .values_list("kind", "pk", "label", "sort"),
            all=True,
        )
        .order_by("kind", "sort", "label")
    )
    choices: tuple[list[Any], list[Any]] = ([], [])
    for kind, pk, label, _sort in rows:
        choices[kind].append((pk, label))
    for choice_field, listed in zip((assignees, organisations), choices, strict=True):
        empty = [] if choice_field.empty_label is None else [("", choice_field.empty_label)]
        choice_field.choices = [*empty, *listed]


def _apply(
    request: HttpRequest, access: CaseAccess, form: Any, run: Any, invalid: str | None = None
) -> HttpResponse:
    """Validate a case form, run its action, then back to the case, or the case with why not."""
    if not form.is_valid():
        # A text refused by the one rule for text says why; other problems keep the
        # form's own short message.
        refused = [
            error.messages[0]
            for errors in form.errors.as_data().values()
            for error in errors
            # A local time that does not exist (the hour skipped when clocks go forward) or
            # happens twice: Django's own message names the zone.
            if error.code in ("invisible_characters", "ambiguous_timezone")
        ]
        messages.error(
            request, refused[0] if refused else invalid or _("Some values are not valid.")
        )
        return _detail(request, access, status=400)
    try:
        run(form.cleaned_data)
    except actions.ActionError as error:
        messages.error(request, error.message)
        return _detail(request, access, status=400)
    return redirect("cases:detail", access.membership.organisation.slug, access.case.number)


def _case_page_facts() -> dict[str, Any]:
    """Asked along with the case (EXISTS subqueries in its query): each saves the case page
    a query when the answer is no, as it mostly is."""
    report = OuterRef("report_id")
    return {
        "has_images": Exists(ReportedImage.objects.filter(report_id=report)),
        # Read by replies.reply_route.
        "has_mailbox_copies": Exists(Report.objects.filter(mailbox_home_id=report)),
        "has_conversation": Exists(Conversation.objects.filter(report_id=report)),
    }


@staff_required
@require_safe
def case_detail(request: HttpRequest, org: str, number: str) -> HttpResponse:
    return _detail(request, get_case(request, org, number, annotations=_case_page_facts()))


STEPS = {"triage", "assign", "take", "start", "first_contact", "close", "approve", "reopen"}


@staff_required
@require_POST
def case_step(request: HttpRequest, org: str, number: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    access = get_case(request, org, number)
    case, actor = access.case, current_user(request)
    try:
        _run_step(request, step, case, actor)
    except actions.ActionError as error:
        messages.error(request, error.message)
        return _detail(
            request, get_case(request, org, number), status=409 if error.code == "stale" else 400
        )
    except _InvalidForm:
        messages.error(request, _("Some values are not valid."))
        return _detail(request, access, status=400)
    return redirect("cases:detail", org, number)


class _InvalidForm(Exception):
    pass


def _run_step(request: HttpRequest, step: str, case: Case, actor: User) -> None:
    data = request.POST
    if step == "triage":
        form: VersionedForm = TriageForm(data)
        if not form.is_valid():
            raise _InvalidForm
        actions.triage(
            case,
            actor,
            version=form.cleaned_data["version"],
            risk=form.cleaned_data["risk"],
            flags=form.cleaned_data["flags"],
        )
    elif step == "assign":
        form = AssignForm(case.organisation, data)
        if not form.is_valid():
            raise _InvalidForm
        actions.assign(
            case,
            actor,
            version=form.cleaned_data["version"],
            assignee=form.cleaned_data["assignee"],
            keyring=getattr(request, "keyring", None),
        )
    elif step == "close":
        form = CloseForm(data)
        if not form.is_valid():
            raise _InvalidForm
        actions.close(
            case, actor, version=form.cleaned_data["version"], reason=form.cleaned_data["reason"]
        )
    else:
        form = VersionedForm(data)
        if not form.is_valid():
            raise _InvalidForm
        version = form.cleaned_data["version"]
        if step == "take":
            actions.assign(
                case,
                actor,
                version=version,
                assignee=actor,
                keyring=getattr(request, "keyring", None),
            )
        elif step == "start":
            actions.start(case, actor, version=version)
        elif step == "first_contact":
            actions.record_first_contact(case, actor, version=version)
        elif step == "approve":
            actions.approve_closure(case, actor, version=version)
        elif step == "reopen":
            actions.reopen(case, actor, version=version, request=request)


@staff_required
@require_POST
def add_note(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    return _apply(
        request,
        access,
        TextForm(request.POST),
        lambda data: actions.add_note(access.case, current_user(request), data["text"]),
        _("Write the note."),
    )


@staff_required
@require_POST
def add_task(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    return _apply(
        request,
        access,
        TaskForm(request.POST),
        lambda data: actions.add_task(
            access.case,
            current_user(request),
            title=data["title"],
            due_at=data["due_at"],
            assignee=current_user(request),
        ),
        _("Give the task a title and a due date."),
    )


@staff_required
@require_POST
def complete_task(request: HttpRequest, org: str, number: str, task_id: int) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    task = get_object_or_404(Task, pk=task_id, case=access.case)
    actions.complete_task(task, current_user(request))
    return redirect("cases:detail", org, number)


@staff_required
@require_POST
def reply(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number)
    if not access.in_charge:
        raise Http404
    # Purged cases included: those who could write here are told why they no longer can.
    route = replies.reply_route(access.case)
    if not route.open:
        messages.error(request, route.message)
        return _detail(request, access, status=409)
    response = _apply(
        request,
        access,
        TextForm(request.POST),
        lambda data: actions.reply_to_reporter(access.case, current_user(request), data["text"]),
        _("Write the message."),
    )
    if response.status_code == 302:
        messages.success(
            request,
            _(
                "Your message was sent. The reporter sees it when they "
                "come back with their secret number."
            ),
        )
    return response


@staff_required
@require_POST
def tick_step(request: HttpRequest, org: str, number: str, step_id: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    try:
        actions.tick_protocol_step(access.case, current_user(request), step_id)
    except actions.ActionError as error:
        messages.error(request, error.message)
        return _detail(request, access, status=400)
    return redirect("cases:detail", org, number)


@staff_required
def protocols_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.ORG_ADMIN])
    available = actions.organisation_protocols(membership.organisation)
    status = 200
    if request.method == "POST":
        protocol = available.get(request.POST.get("harm_type", ""))
        form = ProtocolForm(request.POST)
        if protocol is None or not form.is_valid():
            messages.error(request, _("Some values are not valid."))
            status = 400
        else:
            try:
                actions.update_protocol(protocol, current_user(request), form.lines())
            except actions.ActionError as error:
                messages.error(request, error.message)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect("cases:protocols", org)
    forms = [
        (harm_type, ProtocolForm.for_protocol(protocol))
        for harm_type, protocol in sorted(available.items())
    ]
    return render(
        request, "cases/protocols.html", {"membership": membership, "forms": forms}, status=status
    )


@staff_required
@require_POST
def record_consent(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    return _apply(
        request,
        access,
        ConsentForm(request.POST),
        lambda data: actions.record_consent(access.case, current_user(request), **data),
    )


@staff_required
@require_POST
def override_consent(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    return _apply(
        request,
        access,
        OverrideForm(request.POST),
        lambda data: actions.override_consent(access.case, current_user(request), **data),
        _("A best-interests decision needs a reason."),
    )


@staff_required
@require_POST
def escalate(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    return _apply(
        request,
        access,
        EscalationForm(request.POST),
        lambda data: actions.escalate(access.case, current_user(request), **data),
    )


@staff_required
@require_POST
def escalation_answer(
    request: HttpRequest, org: str, number: str, escalation_id: int
) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    escalation = get_object_or_404(Escalation, pk=escalation_id, case=access.case)
    return _apply(
        request,
        access,
        EscalationAnswerForm(request.POST),
        lambda data: actions.record_escalation_answer(
            escalation, current_user(request), answer=data["answer"]
        ),
        actions.ActionError("wrong_state").message,
    )


@staff_required
@require_POST
def transfer(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    if not access.is_supervisor:
        raise Http404
    response = _apply(
        request,
        access,
        TransferForm(access.case.organisation, request.POST),
        lambda data: actions.transfer_case(
            request, access.case, current_user(request), to_organisation=data["to_organisation"]
        ),
    )
    if response.status_code == 302:
        messages.success(
            request,
            _("The case was sent. The other organisation will accept or decline it."),
        )
    return response


@staff_required
@require_safe
def transfers(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.SUPERVISOR])
    incoming = Transfer.objects.filter(to_organisation=membership.organisation).select_related(
        "from_organisation", "new_case"
    )
    outgoing = Transfer.objects.filter(from_organisation=membership.organisation).select_related(
        "to_organisation", "case"
    )
    return render(
        request,
        "cases/transfers.html",
        {"membership": membership, "incoming": incoming, "outgoing": outgoing},
    )


@staff_required
@require_POST
def decide_transfer(request: HttpRequest, org: str, transfer_id: int) -> HttpResponse:
    membership = get_membership(request, org, [Role.SUPERVISOR])
    incoming = get_object_or_404(Transfer, pk=transfer_id, to_organisation=membership.organisation)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Some values are not valid."))
        return redirect("cases:transfers", org)
    try:
        new_case = actions.decide_transfer(
            request, incoming, current_user(request), accept=decision == "accept"
        )
    except actions.ActionError as error:
        messages.error(request, error.message)
        return redirect("cases:transfers", org)
    if new_case is not None:
        return redirect("cases:detail", org, new_case.number)
    return redirect("cases:transfers", org)


@staff_required
def case_settings(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.ORG_ADMIN])
    current = actions.settings_for(membership.organisation)
    form = CaseSettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            actions.update_case_settings(current, current_user(request), form)
            messages.success(request, _("Saved."))
            return redirect("cases:settings", org)
        return render(
            request, "cases/settings.html", {"membership": membership, "form": form}, status=400
        )
    return render(request, "cases/settings.html", {"membership": membership, "form": form})


@staff_required
@require_safe
def print_case(request: HttpRequest, org: str, number: str) -> HttpResponse:
    """Choose the sections of a case file (what consent allows), then its PDF."""
    access = get_case(request, org, number, opening=True)
    allowed = case_file.allowed_sections(access)
    codes = request.GET.getlist("section")
    if "section" in request.GET or request.GET.get("print") or request.GET.get("record"):
        if (
            not codes
            or len(codes) > len(case_file.CODES)
            or any(code not in {s.code for s in allowed} for code in codes)
        ):
            return _print_page(request, access, allowed, status=400)
        if request.GET.get("record"):
            return _signed_record(request, access, allowed, codes)
        try:
            data = case_file.case_file_pdf(request, access, codes)
        except PdfUnavailable:
            return render_error(
                request,
                503,
                _("Printing is not available"),
                _("This server cannot draw PDFs yet. Tell the person who runs it."),
            )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{access.case.number}.pdf"'
        response["Cache-Control"] = "no-store, max-age=0"
        return response
    return _print_page(request, access, allowed)


def _signed_record(
    request: HttpRequest, access: CaseAccess, allowed: list[Any], codes: list[str]
) -> HttpResponse:
    """The case file's signed JSON twin; sealed to the recipient's key when one is given."""
    recipient_text = request.GET.get("recipient", "").strip()
    try:
        recipient = case_record.parse_public_key(recipient_text) if recipient_text else None
    except case_record.RecordError as error:
        return _print_page(request, access, allowed, status=400, key_error=str(error))
    data = case_record.build(request, access, codes, recipient)
    sealed = recipient is not None
    response = HttpResponse(
        data, content_type="application/octet-stream" if sealed else "application/json"
    )
    name = f"{access.case.number}.{'sealed' if sealed else 'json'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@staff_required
def verify_record(request: HttpRequest, org: str) -> HttpResponse:
    """Check a signed case record, as `manage.py verify_case_record` does (unsealed only:
    a sealed record's private key never comes to the server)."""
    membership = get_membership(request, org, [Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN])
    form = RecordUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"membership": membership, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["record"]
            try:
                if upload.size > case_record.MAX_RECORD_BYTES:
                    raise case_record.RecordError(_("The file is too large."))
                key_text = form.cleaned_data["public_key"].strip()
                expected = case_record.parse_public_key(key_text) if key_text else None
                context["verdict"] = case_record.verify(upload.read(), expected_key=expected)
            except case_record.RecordError as error:
                context["refused"] = str(error)
                status = 400
        else:
            status = 400
    return render(request, "cases/verify_record.html", context, status=status)


def _print_page(
    request: HttpRequest,
    access: CaseAccess,
    allowed: list[Any],
    *,
    status: int = 200,
    key_error: str = "",
) -> HttpResponse:
    allowed_codes = {section.code for section in allowed}
    return render(
        request,
        "cases/print_case.html",
        {
            "membership": access.membership,
            "case": access.case,
            "sections": [
                (section, section.code in allowed_codes) for section in case_file.SECTIONS
            ],
            "identifying_allowed": case_file.identifying_allowed(access),
            "refused": status == 400 and not key_error,
            "key_error": key_error,
        },
        status=status,
    )
