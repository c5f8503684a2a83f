"""The wizard's forms, one per section, each listing its fields explicitly."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.catalogue import MIN_SENSITIVE_JUSTIFICATION, SECURITY_THEMES
from applications.models import Application, DataGroup, Product, Purpose

TEXTAREA = forms.Textarea({"rows": 4})


class CatalogueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product | Purpose) -> str:
        return obj.name


class PurposeForm(forms.ModelForm):
    product = CatalogueChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False
    )
    purpose = CatalogueChoiceField(
        label=_("Purpose of use"), queryset=Purpose.objects.filter(is_active=True), required=False
    )

    class Meta:
        model = Application
        fields = ["product", "purpose", "purpose_description", "legal_basis", "requested_valid_until"]
        widgets = {
            "purpose_description": TEXTAREA,
            "legal_basis": forms.Textarea({"rows": 2}),
            "requested_valid_until": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_requested_valid_until(self) -> date | None:
        value = self.cleaned_data["requested_valid_until"]
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("The date must be in the future."))
        return value


class DataUseForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "use_description",
            "access_description",
            "storage_description",
            "retention_description",
            "onward_disclosure",
        ]
        widgets = dict.fromkeys(fields, TEXTAREA)


class TechnicalForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["system_description", "integration_method", "hosting_description", "test_environment"]
        widgets = dict.fromkeys(fields, TEXTAREA)


class ContactsForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            f"{role}_{part}"
            for role in ("responsible", "technical", "deputy")
            for part in ("name", "email", "phone")
        ]
        widgets = {
            **{
                f"{role}_email": forms.EmailInput({"autocomplete": "off"})
                for role in ("responsible", "technical", "deputy")
            },
            **{
                f"{role}_phone": forms.TextInput({"type": "tel"})
                for role in ("responsible", "technical", "deputy")
            },
        }


class SecurityForm(forms.Form):
    """The information security report's questionnaire: one answer per theme."""

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answers = application.security_report or {}
        for code, question, guidance in SECURITY_THEMES:
            self.fields[code] = forms.CharField(
                label=question,
                help_text=guidance,
                required=False,
                max_length=5000,
                widget=TEXTAREA,
                initial=answers.get(code, ""),
            )

    def section_data(self) -> dict:
        return {"security_report": {code: self.cleaned_data[code].strip() for code in self.fields}}


class DataGroupsForm(forms.Form):
    """A checkbox and a justification per active data group; each chosen group needs its own justification."""

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = {r.data_group_id: r.justification for r in application.requested_groups.all()}
        self.groups = list(DataGroup.objects.filter(is_active=True))
        for group in self.groups:
            self.fields[f"group_{group.code}"] = forms.BooleanField(
                label=group.name, required=False, initial=group.pk in chosen
            )
            help_text = (
                _("Sensitive data: explain specifically, in at least %(count)d characters, why you need it.")
                % {"count": MIN_SENSITIVE_JUSTIFICATION}
                if group.is_sensitive
                else ""
            )
            self.fields[f"justification_{group.code}"] = forms.CharField(
                label=_("Justification for %(group)s") % {"group": group.name},
                help_text=help_text,
                required=False,
                max_length=5000,
                widget=forms.Textarea({"rows": 3}),
                initial=chosen.get(group.pk, ""),
            )

    def rows(self) -> list[tuple[DataGroup, forms.BoundField, forms.BoundField]]:
        return [(g, self[f"group_{g.code}"], self[f"justification_{g.code}"]) for g in self.groups]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        for group in self.groups:
            chosen = data.get(f"group_{group.code}")
            justification = (data.get(f"justification_{group.code}") or "").strip()
            if chosen and not justification:
                self.add_error(
                    f"justification_{group.code}",
                    _("Justify why you need %(group)s.") % {"group": group.name},
                )
            if justification and not chosen:
                self.add_error(
                    f"justification_{group.code}",
                    _("You justified %(group)s but did not choose it. Choose it or remove the justification.")
                    % {"group": group.name},
                )
        return data

    def section_data(self) -> dict:
        return {
            "data_groups": {
                g.code: self.cleaned_data[f"justification_{g.code}"].strip()
                for g in self.groups
                if self.cleaned_data.get(f"group_{g.code}")
            }
        }
