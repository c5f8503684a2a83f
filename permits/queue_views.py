"""The officers' work queue: the list with its filters, its CSV export, and assigning a case."""

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audit
from accounts.models import User
from accounts.rules import is_officer, officers
from accounts.services import PortalError
from permits.access import access_permit
from permits.models import Permit, PermitState
from permits.queue import (
    DUE_SOON_DAYS,
    Assignee,
    QueueChoices,
    QueueFilters,
    csv_filename,
    csv_lines,
    officer_choices,
    officer_label,
    parse_cursor,
    permit_assign,
    queue_cases,
    queue_choices,
    queue_counts,
    queue_page,
    queue_rows,
)

# -- forms -------------------------------------------------------------------------------------------


class FlagInput(forms.CheckboxInput):
    """A checkbox that submits "1" and hands the raw value to its field, which refuses anything else."""

    def format_value(self, value: object) -> str:
        return "1"

    def value_from_datadict(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> str:
        return data.get(name, "")


class FlagField(forms.Field):
    widget = FlagInput

    def __init__(self, **kwargs: object) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> bool:
        if value in ("", None):
            return False
        if value in ("1", "on"):
            return True
        raise ValidationError(_("Tick the box or leave it empty."), code="invalid")


CURSOR_ERROR = gettext_lazy("This page link is not valid. Start again from the first page.")


class QueueFilterForm(forms.Form):
    """The queue's filters (a GET form); every field is listed and checked, a bad value is a 400.

    The product and licensee options are the catalogue's products and the organisations that have filed
    for a client (`queue_choices`), read once per page.
    """

    label_suffix = ""

    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Open cases (every state that needs an officer)")), *PermitState.choices],
    )
    assignee = forms.ChoiceField(
        label=gettext_lazy("Assigned to"),
        required=False,
        choices=[
            (Assignee.ANYONE, gettext_lazy("Anyone or no one")),
            (Assignee.ME, gettext_lazy("Me")),
            (Assignee.UNASSIGNED, gettext_lazy("No one (unassigned)")),
        ],
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    filed_by_licensee = forms.ChoiceField(
        label=gettext_lazy("Filed by a framework licensee"),
        required=False,
        choices=[("", gettext_lazy("Either")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
    )
    licensee = forms.ChoiceField(label=gettext_lazy("Framework licensee"), required=False)
    due_soon = FlagField(label="")
    overdue = FlagField(label=gettext_lazy("Overdue"))
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Reference number, organisation name or Business ID."),
    )
    # Keyset paging: the (target date, id) of the last row of the previous page, or the first of the next.
    after = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, data: Mapping[str, Any], *, choices: QueueChoices) -> None:
        super().__init__(data)
        self.fields["product"].choices = [
            ("", _("Any product")),
            *((c.key, c.label) for c in choices.products),
        ]
        self.fields["licensee"].choices = [
            ("", _("Any licensee")),
            *((c.key, c.label) for c in choices.licensees),
        ]
        self.fields["due_soon"].label = _("Due within %(days)d days") % {"days": DUE_SOON_DAYS}

    def _cursor(self, name: str) -> tuple | None:
        value = self.cleaned_data.get(name)
        if not value:
            return None
        try:
            return parse_cursor(value)
        except ValueError:
            raise ValidationError(CURSOR_ERROR, code="invalid") from None

    def clean_after(self) -> tuple | None:
        return self._cursor("after")

    def clean_before(self) -> tuple | None:
        return self._cursor("before")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("after") and data.get("before"):
            raise ValidationError(CURSOR_ERROR, code="invalid")
        return data

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            state=data["state"],
            assignee=data["assignee"],
            product=data["product"],
            filed_by_licensee={"yes": True, "no": False}.get(data["filed_by_licensee"]),
            licensee=data["licensee"],
            due_soon=data["due_soon"],
            overdue=data["overdue"],
            search=data["q"].strip(),
        )

    def query(self, **changes: str) -> str:
        """The filters as a query string (empty values left out), with `changes` applied."""
        params = {name: self.data.get(name, "") for name in self.fields if name not in ("after", "before")}
        params.update(changes)
        return urlencode({name: value for name, value in params.items() if value})


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assign to"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        error_messages={"invalid_choice": gettext_lazy("Cases can be assigned only to officers.")},
    )
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officers()


# -- views -------------------------------------------------------------------------------------------


def _refused(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("No access"),
        "message": _("The work queue is for the authority's officers."),
    }
    return render(request, "permits/_queue_message.html", context, status=403)


def _filtered(request: HttpRequest) -> tuple[QueueFilterForm, HttpResponse | None]:
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


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
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
        "rows": queue_rows(page.rows, today=today),
        "total": counts[filters.state] if filters.state else sum(counts.values()),
        "counts": count_links(form, counts),
        "all_open_url": f"{here}?{form.query(state='')}",
        "first_url": f"{here}?{query}" if query else here,
        "next_url": f"{here}?{form.query(after=page.next_cursor)}" if page.has_next else "",
        "previous_url": f"{here}?{form.query(before=page.previous_cursor)}" if page.has_previous else "",
        "csv_url": f"{csv}?{query}" if query else csv,
        "filtered": bool(query),
        "return_query": urlencode({"next": request.get_full_path()}),
    }
    return render(request, "permits/queue.html", context)


@require_GET
def queue_csv(request: HttpRequest) -> HttpResponse:
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
def assign(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
