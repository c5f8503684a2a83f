"""The officers' work queue: the list with its filters, its CSV export, and assigning a case."""

from collections.abc import Iterator
from dataclasses import asdict
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audit
from accounts.models import User
from accounts.rules import is_officer
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from permits.access import access_permit
from permits.forms.queue import AssignForm, QueueFilterForm
from permits.models import Permit, PermitState
from permits.selectors.queue import (
    QueueChoices,
    QueueRow,
    csv_filename,
    csv_lines,
    officer_choices,
    officer_label,
    queue_cases,
    queue_choices,
    queue_counts,
    queue_page,
    queue_rows,
)
from permits.services.assignment import permit_assign


def _refused(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("No access"),
        "message": _("The work queue is for the authority's officers."),
    }
    return render(request, "permits/_queue_message.html", context, status=403)


def _filtered(request: AuthenticatedHttpRequest) -> tuple[QueueFilterForm, HttpResponse | None]:
    """The validated filters, or the response that refuses the request: 403 for anyone but an officer
    (before any query about cases), 400 with the form again for a bad filter."""
    if not is_officer(request.user):
        return QueueFilterForm({}, choices=QueueChoices()), _refused(request)
    form = QueueFilterForm(request.GET, choices=queue_choices())
    if not form.is_valid():
        return form, render(request, "permits/queue.html", {"form": form, "invalid": True}, status=400)
    return form, None


def count_links(form: QueueFilterForm, counts: dict[str, int]) -> list[dict]:
    """A link per state with its count, keeping the other filters."""
    here, labels, state = reverse("permits:queue"), dict(PermitState.choices), form.cleaned_data["state"]
    return [
        {
            "label": labels[name],
            "count": count,
            "url": f"{here}?{form.query(state=name)}",
            "current": name == state,
        }
        for name, count in counts.items()
    ]


# One table row. Built with format_html, as the Django admin builds its changelist rows: printed by the
# template engine, the 50 rows' dozen values each were two thirds of the page's time (docs/performance.md).
# Every value is escaped by format_html; nothing of a row is kept between requests.
ROW = (
    '<tr><th scope="row"><a href="{}">{}</a></th>'
    '<td>{}<br><span class="meta">{}</span>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td>"
    '<td><time datetime="{}">{}</time><br>{}</td>'
    '<td><time datetime="{}">{}</time></td>'
    '<td>{}<a href="{}?{}">{}<span class="visually-hidden"> ({})</span></a></td></tr>'
)
ASSIGN_TO_ME = (
    '<button type="submit" form="assign-to-me" formaction="{}" name="revision" value="{}" '
    'class="button-secondary">{}<span class="visually-hidden"> ({})</span></button>'
)


def rows_html(rows: list[QueueRow], *, user: User, return_query: str) -> SafeString:
    """The table's rows; the words every row shares are translated once per page."""
    states = {state: str(label) for state, label in PermitState.choices}
    filed_by, unassigned = _("Filed by %(name)s"), format_html("<em>{}</em>", _("Unassigned"))
    assign_to_me, someone_else = _("Assign to me"), _("Assign to another officer")

    def cells(row: QueueRow) -> tuple:
        activity = timezone.localtime(row.last_activity_at)
        deadline = format_html(
            '<strong class="tag">{}</strong>' if row.overdue else '<span class="meta">{}</span>', row.deadline
        )
        return (
            row.case_url,
            row.reference,
            row.organisation,
            row.business_id,
            format_html('<br><span class="meta">{}</span>', filed_by % {"name": row.filed_by})
            if row.filed_by
            else "",
            row.product or "–",
            states[row.state],
            row.assignee or unassigned,
            row.decision_due.isoformat(),
            date_format(row.decision_due, "SHORT_DATE_FORMAT"),
            deadline,
            activity.isoformat(),
            date_format(activity.date(), "SHORT_DATE_FORMAT"),
            ""
            if row.assigned_to_id == user.pk
            else format_html(ASSIGN_TO_ME, row.assign_url, row.revision, assign_to_me, row.reference),
            row.assign_url,
            return_query,
            someone_else,
            row.reference,
        )

    return format_html_join("\n", ROW, (cells(row) for row in rows))


@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Cases that need an officer, soonest decision target date first, with filters and counts."""
    form, refusal = _filtered(request)
    if refusal:
        return refusal
    filters, today = form.filters(), timezone.localdate()
    page = queue_page(
        queue_cases(user=request.user, filters=filters, today=today),
        after=form.cleaned_data["after"],
        before=form.cleaned_data["before"],
    )
    counts = queue_counts(user=request.user, filters=filters, today=today)
    here, csv = request.path, reverse("permits:queue_csv")
    query = form.query()
    context = {
        "form": form,
        "rows": rows_html(
            queue_rows(page.rows, today=today),
            user=request.user,
            return_query=urlencode({"next": request.get_full_path()}),
        ),
        "total": counts[filters.state] if filters.state else sum(counts.values()),
        "counts": count_links(form, counts),
        "all_open_url": f"{here}?{form.query(state='')}",
        "first_url": f"{here}?{query}" if query else here,
        "next_url": f"{here}?{form.query(after=page.next_cursor)}" if page.has_next else "",
        "previous_url": f"{here}?{form.query(before=page.previous_cursor)}" if page.has_previous else "",
        "csv_url": f"{csv}?{query}" if query else csv,
        "filtered": bool(query),
    }
    return render(request, "permits/queue.html", context)


@require_GET
def queue_csv(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered list (every page) as a CSV download. Exports are audited."""
    form, refusal = _filtered(request)
    if refusal:
        return refusal
    filters = form.filters()
    today = timezone.localdate()
    audit(actor=request.user, action="queue_exported", target=request.user, filters=asdict(filters))
    cases = queue_cases(user=request.user, filters=filters, today=today)
    language = translation.get_language()

    def content() -> Iterator[bytes]:
        # The body is produced after the view returns; keep the language the request was in.
        with translation.override(language):
            for line in csv_lines(cases, today=today):
                yield line.encode("utf-8")

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(today)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _back(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("permits:queue")


def _assign_page(
    request: HttpRequest, permit: Permit, form: AssignForm, *, message: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "permit": permit,
        "form": form,
        "message": message,
        "officers": officer_choices(),
        "next": _back(request, form.data.get("next", "") if form.is_bound else request.GET.get("next", "")),
    }
    return render(request, "permits/_queue_assign_page.html", context, status=status)


@require_http_methods(["GET", "POST"])
def assign(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """Assign a case to the signed-in officer or a colleague (from a queue row, this page or the case page)."""
    permit = access_permit(request.user, uuid, write=True)
    if request.method == "GET":
        return _assign_page(request, permit, AssignForm())
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _assign_page(request, permit, form, message=_("The case was not assigned."), status=400)
    assignee = form.cleaned_data["assignee"]
    try:
        permit_assign(
            permit=permit, officer=request.user, assignee=assignee, revision=form.cleaned_data["revision"]
        )
    except PortalError as exc:
        fresh = access_permit(request.user, uuid, write=True)
        return _assign_page(request, fresh, form, message=exc.message, status=exc.status)
    messages.success(
        request,
        _("Case %(reference)s is now assigned to %(name)s.")
        % {"reference": permit.reference, "name": officer_label(assignee)},
    )
    return redirect(_back(request, form.cleaned_data["next"]))
