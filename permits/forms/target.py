"""The decision maker's form for extending a case's decision target date."""

from django import forms
from django.utils.translation import gettext_lazy

from permits.forms.decisions import RevisionForm
from permits.services.processing import TEXT_MAX_LENGTH


class TargetExtensionForm(RevisionForm):
    id_prefix = "target"
    decision_due = forms.DateField(
        label=gettext_lazy("New decision target date"),
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the extension"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("The applicant sees the new date and the reason."),
    )
