"""Forms of the applicant's case actions; each lists its fields explicitly."""

from django import forms
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 4000


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("The agency sees the reason. Do not include personal data about individuals."),
    )
