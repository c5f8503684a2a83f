from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.models import ALWAYS_EMAILED, NotificationKind, email_required

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PreferencesForm(forms.Form):
    """One checkbox per kind: also by email. Kinds that are always emailed are shown ticked and disabled."""

    def __init__(self, *args: Any, user: User, initial_email: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for kind in NotificationKind:
            required = email_required(kind, user)
            help_text: StrOrPromise
            if not required:
                help_text = ""
            elif kind in ALWAYS_EMAILED:
                help_text = _("Always emailed: the link in it works only from the email.")
            else:
                help_text = _("Always emailed to authority staff, so that no deadline is missed.")
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=initial_email[kind.value],
                # A disabled field ignores what is posted and keeps its initial value (True).
                disabled=required,
                help_text=help_text,
            )

    def email_choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in NotificationKind.values}
