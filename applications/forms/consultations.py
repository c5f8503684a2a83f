"""The forms of consultations: opening one, replying, and the officers' filter."""

from django import forms
from django.utils.translation import gettext_lazy

from applications.models import ConsultationState, Product
from applications.services.consultations import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class ConsultationForm(forms.Form):
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product of interest"),
        queryset=Product.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("Not sure yet"),
        help_text=gettext_lazy("Leave this open if you would like the authority to suggest a product."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX_LENGTH)
    question = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea({"rows": 8}),
        help_text=gettext_lazy(
            "Describe what you intend to use the data for and which data you think you need. "
            "Do not include personal data about individuals."
        ),
    )


class ConsultationReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea({"rows": 6}),
    )


class ConsultationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=ConsultationState.choices,
        required=False,
    )

    def chosen_state(self) -> str:
        """The state to list after `is_valid()`; open when none or an invalid one was given."""
        return self.cleaned_data.get("state") or ConsultationState.OPEN
