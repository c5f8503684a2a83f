"""The forms of a licensee's work for a client: starting an application, the client's confirmation, asking
the client to confirm."""

from typing import Any, cast

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    Organisation,
)
from accounts.validators import normalise_business_id, validate_business_id
from applications.models import Application
from applications.services.licensing import (
    CONFIRMATION_REQUEST_MAX_AGE,
    CONFIRMATION_REQUEST_SALT,
    confirmation_request_token,
)


class ClientApplicationForm(forms.Form):
    """Pick an existing client, or enter a new one with its representative and power of attorney."""

    client = forms.TypedChoiceField(
        label=gettext_lazy("Client"), required=False, coerce=int, empty_value=None
    )
    business_id = forms.CharField(
        label=gettext_lazy("Business ID of the new client"), required=False, max_length=20
    )
    name = forms.CharField(label=gettext_lazy("Name of the new client"), required=False, max_length=200)
    representative_email = forms.EmailField(
        label=gettext_lazy("Email address of the client's representative"),
        required=False,
        help_text=gettext_lazy(
            "The representative is invited to the portal as the client's administrator and signatory, "
            "reviews the application and confirms it."
        ),
    )
    power_of_attorney = forms.FileField(
        label=gettext_lazy("Power of attorney"),
        required=False,
        help_text=gettext_lazy("The client's signed authorisation for your company (PDF or image)."),
    )
    mandate_ends_on = forms.DateField(
        label=gettext_lazy("Mandate valid until (optional)"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, clients: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clients = {client.pk: client for client in clients}
        # `fields` is typed as plain Field values; this one is the TypedChoiceField declared above.
        cast(forms.TypedChoiceField, self.fields["client"]).choices = [("", _("A new client"))] + [
            (client.pk, f"{client.name} ({client.business_id})") for client in clients
        ]

    def clean_business_id(self) -> str:
        value = self.cleaned_data["business_id"].strip()
        if not value:
            return ""
        value = normalise_business_id(value)
        validate_business_id(value)
        return value

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("client"):
            data["client"] = self.clients.get(data["client"])
            if data["client"] is None:
                self.add_error("client", _("Choose one of your clients."))
            return data
        for name, message in [
            ("business_id", _("Enter the client's Business ID.")),
            ("name", _("Enter the client's name.")),
            ("representative_email", _("Enter the representative's email address.")),
            ("power_of_attorney", _("Attach the client's power of attorney.")),
        ]:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        ends_on = data.get("mandate_ends_on")
        if ends_on and ends_on <= timezone.localdate():
            self.add_error("mandate_ends_on", _("The mandate must be valid after today."))
        return data


class CommitmentForm(forms.Form):
    """The client's signatory confirms the application as the page showed it (its `content_hash`)."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class ConfirmationRequestForm(forms.Form):
    """The licensee asks the client's signatories to confirm; the token tells one page's request apart."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        if not self.is_bound:
            self.initial["token"] = confirmation_request_token(application)

    def clean_token(self) -> int:
        """The time (milliseconds since the epoch) the page with the button was shown."""
        try:
            data = signing.loads(
                self.cleaned_data["token"],
                salt=CONFIRMATION_REQUEST_SALT,
                max_age=CONFIRMATION_REQUEST_MAX_AGE,
            )
        except signing.BadSignature:
            data = {}
        if not isinstance(data, dict) or data.get("a") != str(self.application.uuid):
            raise forms.ValidationError(_("The page was out of date. Reload it and try again."))
        return int(data["t"])
