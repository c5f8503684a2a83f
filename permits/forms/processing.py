"""The forms of processing before the decision: supplement requests and answers, negotiation, meetings, the
technical review and internal notes. Each lists its fields; `revision` is the case's revision when shown."""

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from permits.deadlines import local_date
from permits.models import (
    ReviewResult,
)
from permits.services.processing import REOPENABLE_SECTIONS, TEXT_MAX_LENGTH

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _text(label: "StrOrPromise", rows: int = 5, help_text: "StrOrPromise" = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea({"rows": rows}), help_text=help_text
    )


class _Form(forms.Form):
    """Ids start with `id_prefix`, so that several forms on one page never share an id."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class _RevisionForm(_Form):
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SupplementRequestForm(_RevisionForm):
    id_prefix = "supplement"
    message = _text(
        gettext_lazy("What is missing"),
        help_text=gettext_lazy("The applicant sees this text and receives it by email."),
    )
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Sections the applicant may edit"),
        choices=REOPENABLE_SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked if an answer in words is enough."),
    )
    respond_by = forms.DateField(
        label=gettext_lazy("Reply by"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )

    def clean_respond_by(self) -> date:
        respond_by = self.cleaned_data["respond_by"]
        if respond_by <= local_date(timezone.now()):
            raise forms.ValidationError(_("The reply-by date must be in the future."))
        return respond_by


class SupplementAnswerForm(_Form):
    id_prefix = "answer"
    response = _text(
        gettext_lazy("Your answer"),
        help_text=gettext_lazy(
            "Explain what you changed or answer the question. Sending the answer also submits the edited "
            "sections; they cannot be edited after that."
        ),
    )


class TransitionForm(_RevisionForm):
    """A state change with nothing to fill in besides the hidden revision."""

    id_prefix = "transition"


class NegotiationMessageForm(_Form):
    id_prefix = "negotiation"
    body = _text(gettext_lazy("Message"))


class MeetingForm(_Form):
    id_prefix = "meeting"
    held_on = forms.DateField(
        label=gettext_lazy("Date of the meeting"),
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    participants = _text(
        gettext_lazy("Participants"),
        rows=3,
        help_text=gettext_lazy("Names and organisations of everyone who took part."),
    )
    summary = _text(
        gettext_lazy("Summary"),
        help_text=gettext_lazy("What was discussed and agreed. The applicant sees the summary."),
    )

    def clean_held_on(self) -> date:
        held_on = self.cleaned_data["held_on"]
        if held_on > local_date(timezone.now()):
            raise forms.ValidationError(_("Record a meeting after it has been held."))
        return held_on


class ReviewItemForm(_RevisionForm):
    """One checklist item; shown with the item's code as prefix so that every item has its own ids."""

    id_prefix = "review"

    result = forms.ChoiceField(
        label=gettext_lazy("Result"), choices=ReviewResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=gettext_lazy("Required when the item fails."),
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("result") == ReviewResult.FAIL and not data.get("note", "").strip():
            self.add_error("note", _("Explain why the item fails."))
        return data


class InternalNoteForm(_Form):
    id_prefix = "note"
    body = _text(
        gettext_lazy("Note"), rows=3, help_text=gettext_lazy("Only the agency's staff see internal notes.")
    )
