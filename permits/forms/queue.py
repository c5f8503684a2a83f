"""The work queue's filter form and the assign form; every field listed and checked."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.rules import officers
from permits.models import PermitState
from permits.selectors.queue import DUE_SOON_DAYS, Assignee, QueueChoices, QueueFilters, parse_cursor


class FlagInput(forms.CheckboxInput):
    """A checkbox that submits "1" and hands the raw value to its field, which refuses anything else."""

    def format_value(self, value: object) -> str:
        return "1"

    def value_from_datadict(self, data: Mapping[str, Any], files: Mapping[str, Any], name: str) -> str:
        return data.get(name, "")


class FlagField(forms.Field):
    widget = FlagInput

    def __init__(self, **kwargs: Any) -> None:
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
        # `fields` is typed as plain Field values; these two are the ChoiceFields declared above.
        cast(forms.ChoiceField, self.fields["product"]).choices = [
            ("", _("Any product")),
            *((c.key, c.label) for c in choices.products),
        ]
        cast(forms.ChoiceField, self.fields["licensee"]).choices = [
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
        super().clean()
        data = self.cleaned_data
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `fields` is typed as plain Field values; this one is the ModelChoiceField declared above.
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = officers()
