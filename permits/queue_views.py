"""The officers' work queue: the list with its filters, its CSV export, and assigning a case."""

import functools
import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, tzinfo
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audit
from accounts.models import User
from accounts.services import PortalError
from permits.access import access_permit
from permits.models import Permit, PermitState
from permits.queue import (
    COLUMN,
    DUE_SOON_DAYS,
    ROW_FIELDS,
    Assignee,
    QueueChoices,
    QueueFilters,
    assignee_label,
    csv_filename,
    csv_lines,
    days_left,
    deadline_text,
    forget_statements,
    officer_choices,
    officer_label,
    officers,
    parse_cursor,
    permit_assign,
    queue_cases,
    queue_choices,
    queue_screen,
)
from permits.workflow import is_officer

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
INVALID_CHOICE = gettext_lazy("Choose one of the options offered.")
SELECTS = ("state", "assignee", "product", "filed_by_licensee", "licensee")


class QueueFilterForm(forms.Form):
    """The queue's filters (a GET form); every field is listed and checked, a bad value is a 400."""

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
    # Checked against the catalogue once it is read (see check_choices), in the query that counts.
    product = forms.RegexField(
        label=gettext_lazy("Product"), required=False, max_length=40, regex=r"^[A-Z0-9_]+$"
    )
    filed_by_licensee = forms.ChoiceField(
        label=gettext_lazy("Filed by a framework licensee"),
        required=False,
        choices=[("", gettext_lazy("Either")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
    )
    licensee = forms.UUIDField(label=gettext_lazy("Framework licensee"), required=False)
    due_soon = FlagField(label=gettext_lazy("Due within %(days)d days") % {"days": DUE_SOON_DAYS})
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

    def __init__(self, data: object) -> None:
        super().__init__(data)
        self.choices = QueueChoices()

    def check_choices(self, choices: QueueChoices) -> bool:
        """Keep the choices for the select boxes; refuse a product or licensee that is not among them."""
        self.choices = choices
        if not self.is_valid():
            return False
        products, licensees = choices.keys()
        if self.cleaned_data["product"] and self.cleaned_data["product"] not in products:
            self.add_error("product", INVALID_CHOICE)
        if self.cleaned_data["licensee"] and str(self.cleaned_data["licensee"]) not in licensees:
            self.add_error("licensee", INVALID_CHOICE)
        return self.is_valid()

    def options(self, name: str) -> list[tuple[str, str]]:
        if name == "product":
            return [("", _("Any product")), *((c.key, c.label) for c in self.choices.products)]
        if name == "licensee":
            return [("", _("Any licensee")), *((c.key, c.label) for c in self.choices.licensees)]
        return list(self.fields[name].choices)

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
            licensee=str(data["licensee"] or ""),
            due_soon=data["due_soon"],
            overdue=data["overdue"],
            search=data["q"].strip(),
        )

    def query(self, **changes: str) -> str:
        """The filters as a query string (empty values left out), with `changes` applied."""
        params = {name: self.data.get(name, "") for name in self.fields if name not in ("after", "before")}
        params.update(changes)
        return urlencode({name: value for name, value in params.items() if value})


class SharedFields(dict):
    """A form's fields, shared by its instances rather than deep-copied for each (as Django does, so that an
    instance may change its own): deep-copying the queue's ten fields cost a tenth of a millisecond on
    every page. Only for a form that never changes its fields."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


QueueFilterForm.base_fields = SharedFields(QueueFilterForm.base_fields)


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


def filter_fields(form: QueueFilterForm) -> list[dict]:
    """The filter form's visible fields, ready to print as they are.

    Django's widget templates cost about a millisecond per select box on a small server, which alone
    would be a third of the page's time budget, so the template prints these plain values instead.
    """
    fields = []
    for bound in form.visible_fields():
        value = form.data.get(bound.name, "")
        item = {
            "name": bound.name,
            "id": bound.auto_id,
            "label": bound.label,
            "help": bound.help_text,
            "errors": bound.errors,
            "value": value,
            "kind": "text",
        }
        if bound.name in SELECTS:
            item["kind"] = "select"
            # Each option is built by _html, which escapes.
            item["options"] = mark_safe(
                "".join(
                    _html(SELECTED if str(key) == value else OPTION, key, label)
                    for key, label in form.options(bound.name)
                )
            )
        elif isinstance(bound.field, FlagField):
            item["kind"] = "flag"
            item["checked"] = value in ("1", "on")
        fields.append(item)
    return fields


def _refused(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("No access"),
        "message": _("The work queue is for the authority's officers."),
    }
    return render(request, "permits/_queue_message.html", context, status=403)


def _bad_filter(request: HttpRequest, form: QueueFilterForm, choices: QueueChoices) -> HttpResponse | None:
    """A 400 naming the bad filters, or None when the filters are good (a product or licensee must be one
    of the choices)."""
    if form.check_choices(choices):
        return None
    context = {"form": form, "fields": filter_fields(form), "invalid": True}
    return render(request, "permits/queue.html", context, status=400)


def _filtered(request: HttpRequest) -> tuple[QueueFilterForm, HttpResponse | None]:
    """The validated filters, or the response that refuses the request (403 for anyone but an officer,
    before any query about cases)."""
    form = QueueFilterForm(request.GET)
    if not is_officer(request.user):
        return form, _refused(request)
    return form, _bad_filter(request, form, queue_choices())


PLACEHOLDER = UUID(int=0)

# One table row. Built here rather than in the template: the template engine costs 10–15 µs per printed
# value on a small server, and 50 rows × 24 values would be half the page's time budget. (The Django
# admin builds its changelist rows in Python, too.)
ROW = (
    '<tr><th scope="row"><a href="{case_url}">{reference}</a></th>'
    '<td>{organisation}<br><span class="meta">{business_id}</span>{filed_by}</td>'
    "<td>{product}</td><td>{state}</td><td>{assignee}</td>"
    '<td><time datetime="{due_iso}">{due}</time><br>{deadline}</td>'
    '<td><time datetime="{activity_iso}">{activity}</time></td>'
    '<td>{assign_to_me}<a href="{assign_url}?{next_query}">{someone_else}'
    '<span class="visually-hidden"> ({reference})</span></a></td></tr>'
)
FILED_BY = '<br><span class="meta">{}</span>'
OVERDUE = '<strong class="tag">{}</strong>'
DEADLINE = '<span class="meta">{}</span>'
UNASSIGNED = "<em>{}</em>"
OPTION = '<option value="{}">{}</option>'
SELECTED = '<option value="{}" selected>{}</option>'
# Submits the table's one "assign to me" form (permits/_queue_table.html: the CSRF token, me, where to
# return) to this case's address, with the revision of the case the officer saw.
ASSIGN_TO_ME = (
    '<button type="submit" form="assign-to-me" formaction="{}" name="revision" value="{}" '
    'class="button-secondary">{}<span class="visually-hidden"> ({})</span></button>'
)


ROW_SEPARATOR = "\n      "


SPECIAL = re.compile("[&<>\"']")


def _escape(value: object) -> str:
    """conditional_escape without its lazy-string wrapper, which costs more than the escaping itself.

    Same result as html.escape (which Django's escape uses); most values have nothing to escape, and
    one search finds that faster than html.escape's five replacements.
    """
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return value.__html__()
        value = str(value)
    return html.escape(value) if SPECIAL.search(value) else value


def _html(template: str, *args: object, **kwargs: object) -> SafeString:
    """format_html for the hot loop below: every value is escaped unless it is already safe HTML."""
    return mark_safe(
        template.format(*map(_escape, args), **{name: _escape(value) for name, value in kwargs.items()})
    )


@functools.lru_cache(maxsize=4096)
def _short_date(language: str, day: date) -> str:
    """`day` in the short date format of `language` (the active one), escaped.

    Formatting dates was half the cost of the rows, and the same dates recur from page to page; the result
    depends only on the language and the date.
    """
    return _escape(date_format(day, "SHORT_DATE_FORMAT"))


# Where a row's columns (ROW_FIELDS) are.
PRODUCT_AT, FILED_BY_AT, ASSIGNED_TO_AT = (
    COLUMN[name] for name in ("application__product_id", "application__filed_by_id", "assigned_to_id")
)


@dataclass(frozen=True)
class RowWords:
    """What every row of a language says alike, translated and escaped once per language and process."""

    case_url: str
    assign_url: str
    states: dict[str, str]
    unassigned: str
    assign_to_me: str
    someone_else: str


@functools.lru_cache(maxsize=8)
def _row_words(language: str) -> RowWords:
    return RowWords(
        case_url=_escape(reverse("permits:officer_case", args=[PLACEHOLDER])),
        assign_url=_escape(reverse("permits:assign", args=[PLACEHOLDER])),
        states={state: _escape(str(label)) for state, label in PermitState.choices},
        unassigned=UNASSIGNED.format(_escape(_("Unassigned"))),
        assign_to_me=_escape(_("Assign to me")),
        someone_else=_escape(_("Assign to another officer")),
    )


@functools.lru_cache(maxsize=4096)
def _row(
    language: str,
    zone: tzinfo,
    today: date,
    values: tuple,
    product: str,
    filed_by: str,
    mine: bool,
    here: str,
) -> str:
    """One table row as HTML (see ROW), every value escaped.

    Remembered: a row depends on nothing but these arguments (`values` are the row's columns, ROW_FIELDS;
    `language` is the active one; `here` is the page to return to after assigning), and most rows of a
    page are the same from one page load to the next.
    """
    row = dict(zip(ROW_FIELDS, values, strict=True))
    words = _row_words(language)
    uuid, reference, due = str(row["uuid"]), _escape(row["reference"]), row["decision_due"]
    days = days_left(row["state"], due, today)
    deadline = (OVERDUE if days is not None and days < 0 else DEADLINE).format(_escape(deadline_text(days)))
    activity = row["last_activity_at"].astimezone(zone)
    assign_url = words.assign_url.replace(str(PLACEHOLDER), uuid)
    assignee = assignee_label(row)
    return ROW.format(
        case_url=words.case_url.replace(str(PLACEHOLDER), uuid),
        reference=reference,
        organisation=_escape(row["application__organisation__name"]),
        business_id=_escape(row["application__organisation__business_id"]),
        filed_by=FILED_BY.format(_escape(_("Filed by %(name)s") % {"name": filed_by})) if filed_by else "",
        product=_escape(product) if product else "–",
        state=words.states[row["state"]],
        assignee=_escape(assignee) if assignee else words.unassigned,
        due_iso=due.isoformat(),
        due=_short_date(language, due),
        deadline=deadline,
        activity_iso=activity.isoformat(),
        activity=_short_date(language, activity.date()),
        assign_to_me=(
            "" if mine else ASSIGN_TO_ME.format(assign_url, row["revision"], words.assign_to_me, reference)
        ),
        assign_url=assign_url,
        next_query=_escape(urlencode({"next": here})),
        someone_else=words.someone_else,
    )


def _rows(request: HttpRequest, rows: list[tuple], choices: QueueChoices, today: date) -> SafeString:
    """The table rows as HTML, each printed by _row or remembered from an earlier page load."""
    products, licensees = choices.names
    language, zone, me = translation.get_language(), timezone.get_current_timezone(), request.user.pk
    here = request.get_full_path()
    printed = [
        _row(
            language,
            zone,
            today,
            row,
            products.get(row[PRODUCT_AT], ""),
            licensees.get(row[FILED_BY_AT], ""),
            row[ASSIGNED_TO_AT] == me,
            here,
        )
        for row in rows
    ]
    # Printed as one value; the separator keeps the page's source readable.
    return mark_safe(ROW_SEPARATOR.join(printed) + ROW_SEPARATOR if printed else "")


def forget_remembered() -> None:
    """Forget what the queue remembers in this process: its printed rows, filter forms and counts (and the
    layout's cached parts, which share their cache), its statements and choices. For the benchmark's page
    printed afresh, and for tests that compare it with the remembered one."""
    caches["fragments"].clear()
    for remembered in (_row, _row_words, _short_date):
        remembered.cache_clear()
    forget_statements()


def filters_key(language: str, form: QueueFilterForm) -> str:
    """What the printed filter form depends on when the filters are valid: the language, the values of its
    fields and the choices of its select boxes."""
    values = [form.data.get(name, "") for name in form.fields if name not in ("after", "before")]
    return repr((language, values, form.choices.fingerprint))


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
    if not is_officer(request.user):
        return _refused(request)
    form = QueueFilterForm(request.GET)
    today = timezone.localdate()
    screen = None
    if form.is_valid():
        # The choices, the counts and the page in one round trip; nothing of them is shown before the
        # choices have confirmed the filters.
        screen = queue_screen(
            user=request.user,
            filters=form.filters(),
            today=today,
            after=form.cleaned_data["after"],
            before=form.cleaned_data["before"],
        )
    refusal = _bad_filter(request, form, screen.choices if screen else queue_choices())
    if refusal:
        return refusal
    filters, page, counts = form.filters(), screen.page, screen.counts
    here, csv = request.path, reverse("permits:queue_csv")
    query = form.query()
    language = translation.get_language()
    context = {
        "form": form,
        # The filter form and the counts are printed only when they are not remembered (see the templates),
        # so they are made only if printed.
        "fields": SimpleLazyObject(lambda: filter_fields(form)),
        "filters_key": filters_key(language, form),
        "rows": _rows(request, page.rows, form.choices, today),
        "total": counts[filters.state] if filters.state else sum(counts.values()),
        "counts": SimpleLazyObject(lambda: count_links(form, counts)),
        "counts_key": repr((language, query, counts)),
        "all_open_url": SimpleLazyObject(lambda: f"{here}?{form.query(state='')}"),
        "first_url": f"{here}?{query}" if query else here,
        "next_url": f"{here}?{form.query(after=page.next_cursor)}" if page.has_next else "",
        "previous_url": f"{here}?{form.query(before=page.previous_cursor)}" if page.has_previous else "",
        "csv_url": f"{csv}?{query}" if query else csv,
        "filtered": bool(query),
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
            for line in csv_lines(cases, choices=form.choices, today=today):
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
