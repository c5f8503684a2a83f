from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, MembershipRole, Organisation, User
from accounts.validators import normalise_business_id


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput({"autocomplete": "name"})
    )

    field_order = ["full_name", "email", "password1", "password2"]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "business_id", "kind", "street_address", "postal_code", "city", "contact_email"]
        widgets = {
            "name": forms.TextInput({"autocomplete": "organization"}),
            "business_id": forms.TextInput({"inputmode": "numeric"}),
            "street_address": forms.TextInput({"autocomplete": "street-address"}),
            "postal_code": forms.TextInput({"autocomplete": "postal-code"}),
            "city": forms.TextInput({"autocomplete": "address-level2"}),
            "contact_email": forms.EmailInput({"autocomplete": "email"}),
        }
        help_texts = {"business_id": _("Finnish Business ID (Y-tunnus), for example 0245437-2.")}

    def clean_business_id(self) -> str:
        return normalise_business_id(self.cleaned_data["business_id"])


class OrganisationEditForm(OrganisationForm):
    class Meta(OrganisationForm.Meta):
        fields = [*OrganisationForm.Meta.fields, "require_mfa"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput({"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)
    is_signatory = forms.BooleanField(
        label=_("Signatory"),
        required=False,
        help_text=_("May submit applications, accept permit terms and notify changes for the organisation."),
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    is_signatory = forms.BooleanField(label=_("Signatory"), required=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]
        widgets = {"full_name": forms.TextInput({"autocomplete": "name"})}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)
    next = forms.CharField(required=False)
