"""The forms of decisions and of what follows a grant, and the public verification form. Each lists its
fields; `revision` is the case's revision when the form was shown."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import DataGroup, TermsVersion
from permits.models import (
    Permit,
)
from permits.selectors.decisions import requested_groups
from permits.services.decisions import TEXT_MAX_LENGTH


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RevisionForm(forms.Form):
    """Every action form carries the case's revision, so that a form shown before a change is refused.

    Field ids carry the form's `id_prefix`, so that several action forms fit on one page.
    """

    id_prefix = "action"
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class GrantDraftForm(RevisionForm):
    id_prefix = "grant"
    granted_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Data groups granted"),
        queryset=DataGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only the data groups the applicant requested can be granted."),
    )
    conditions = forms.CharField(
        label=gettext_lazy("Conditions"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 10}),
        help_text=gettext_lazy("The standard conditions are filled in; edit and add as needed."),
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateInput())
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leave empty if the permit is valid until further notice."),
    )

    def __init__(self, *args: Any, permit: Permit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `fields` is typed as plain Field values; this one is the ModelMultipleChoiceField declared above.
        groups = cast(forms.ModelMultipleChoiceField, self.fields["granted_groups"])
        groups.queryset = requested_groups(permit)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The permit cannot end before it starts."))
        return data


class RejectDraftForm(RevisionForm):
    id_prefix = "reject"
    reasons = forms.CharField(
        label=gettext_lazy("Reasons for the rejection"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 8}),
        help_text=gettext_lazy("The reasons are printed in the decision that the applicant receives."),
    )


class DiscardForm(RevisionForm):
    id_prefix = "discard"
    note = forms.CharField(
        label=gettext_lazy("Why the draft is returned (seen by officers only)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class DecideForm(RevisionForm):
    id_prefix = "decide"


class AcceptTermsForm(RevisionForm):
    id_prefix = "terms"
    terms_version = forms.ModelChoiceField(
        queryset=TermsVersion.objects.all(), to_field_name="version", widget=forms.HiddenInput
    )
    accept = forms.BooleanField(
        label=gettext_lazy("I have read the terms and accept them on behalf of the permit holder."),
    )


class OpenTestingForm(RevisionForm):
    id_prefix = "testing"
    note = forms.CharField(
        label=gettext_lazy("Test access given"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 4}),
        help_text=gettext_lazy(
            "Which test environment and how the access was delivered. The applicant sees this note: "
            "never write passwords or keys here."
        ),
    )


class ReportTestsForm(RevisionForm):
    id_prefix = "tests"
    note = forms.CharField(
        label=gettext_lazy("What was tested (optional)"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=gettext_lazy("The agency sees this note. Do not include personal data about individuals."),
    )


class ConfirmProductionForm(RevisionForm):
    id_prefix = "production"


class RevokeForm(RevisionForm):
    id_prefix = "revoke"
    reasons = forms.CharField(
        label=gettext_lazy("Reasons for revoking the permit"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 6}),
        help_text=gettext_lazy("The permit holder sees the reasons."),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=40,
        help_text=gettext_lazy("The code printed on the decision, for example ABCD-EFGH-JKLM."),
        widget=forms.TextInput(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
