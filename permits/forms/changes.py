"""The forms of change notifications: the holder's notification and answer, the officers' actions and list."""

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import PortalError
from applications.models import Application
from applications.uploads import allowed_types_message, megabytes
from permits.deadlines import local_date
from permits.forms.decisions import RevisionForm
from permits.models import ChangeKind
from permits.selectors.changes import CONTACT_PARTS, OPEN_STATES
from permits.services.changes import CONTACT_ROLES, MAX_CHANGE_ATTACHMENTS, TEXT_MAX_LENGTH, clean_contacts

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service (`inspect_upload`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _text(
    label: "StrOrPromise", rows: int = 5, help_text: "StrOrPromise" = "", required: bool = True
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        required=required,
        widget=forms.Textarea({"rows": rows}),
        help_text=help_text,
    )


class ChangeNotificationForm(forms.Form):
    """The holder's change notification; the contact persons are asked only for a change of contacts."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What changes"), choices=ChangeKind.choices, widget=forms.RadioSelect
    )
    description = _text(
        gettext_lazy("Description of the change"),
        rows=6,
        help_text=gettext_lazy("What changes, why, and what it means for the use of the data."),
    )
    effective_on = forms.DateField(
        label=gettext_lazy("Date the change takes effect"),
        widget=DateInput(),
        help_text=gettext_lazy("A past date if the change has already happened."),
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "change-%s")
        super().__init__(*args, **kwargs)
        # The same fields, labels and limits as the application's contacts step.
        for role, _label in CONTACT_ROLES:
            for part in CONTACT_PARTS:
                name = f"{role}_{part}"
                model_field = Application._meta.get_field(name)
                field = (
                    model_field.formfield(required=False) if isinstance(model_field, models.Field) else None
                )
                if field is None:  # a relation or a field without a form field: not a contact part
                    raise ImproperlyConfigured(f"Application.{name} has no form field.")
                self.fields[name] = field
        self.fields["attachments"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.odt,.docx,.txt"
        self.fields["attachments"].help_text = (
            allowed_types_message()
            + " "
            + _("At most %(count)d files of up to %(limit)s MB each.")
            % {"count": MAX_CHANGE_ATTACHMENTS, "limit": megabytes(settings.ATTACHMENT_MAX_BYTES)}
        )

    def contact_groups(self) -> list[tuple[str, Promise, list]]:
        return [
            (role, label, [self[f"{role}_{part}"] for part in CONTACT_PARTS]) for role, label in CONTACT_ROLES
        ]

    def clean_attachments(self) -> list:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_CHANGE_ATTACHMENTS:
            raise forms.ValidationError(
                _("A change notification can have at most %(count)d attachments.")
                % {"count": MAX_CHANGE_ATTACHMENTS}
            )
        return files

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == ChangeKind.CONTACTS:
            try:
                clean_contacts(self.contacts())
            except PortalError as exc:
                self.add_error(None, exc.message)
        return data

    def contacts(self) -> dict:
        data = getattr(self, "cleaned_data", {})
        return {
            role: {part: data.get(f"{role}_{part}", "") for part in CONTACT_PARTS}
            for role, _l in CONTACT_ROLES
        }

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "effective_on": data["effective_on"],
            "contacts": self.contacts(),
            "files": data["attachments"],
        }


class _RevisionForm(RevisionForm):
    """Officers' forms carry the change notification's revision; ids carry the form's prefix."""

    id_prefix = "change"


class AcknowledgeForm(_RevisionForm):
    id_prefix = "acknowledge"
    note = _text(
        gettext_lazy("Note to the permit holder"),
        rows=3,
        required=False,
        help_text=gettext_lazy("Optional. The permit holder sees it."),
    )


class InfoRequestForm(_RevisionForm):
    id_prefix = "info"
    message = _text(
        gettext_lazy("What the permit holder should tell"),
        help_text=gettext_lazy("The permit holder sees this text and receives it by email."),
    )
    respond_by = forms.DateField(label=gettext_lazy("Reply by"), widget=DateInput())

    def clean_respond_by(self) -> date:
        respond_by = self.cleaned_data["respond_by"]
        if respond_by <= local_date(timezone.now()):
            raise forms.ValidationError(_("The reply-by date must be in the future."))
        return respond_by


class InfoAnswerForm(forms.Form):
    response = _text(gettext_lazy("Your answer"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)


class AmendmentForm(_RevisionForm):
    id_prefix = "amendment"
    note = _text(
        gettext_lazy("What the amendment must cover"),
        rows=3,
        help_text=gettext_lazy("The permit holder sees it. An amendment application is opened for them."),
    )


class ProposeRevocationForm(_RevisionForm):
    id_prefix = "propose"
    reasons = _text(
        gettext_lazy("Reasons for proposing revocation"),
        help_text=gettext_lazy(
            "A decision maker decides on the proposal; the permit holder does not see it."
        ),
    )


class RevokeForm(_RevisionForm):
    id_prefix = "revoke"
    reasons = _text(
        gettext_lazy("Reasons for revoking the permit"),
        rows=6,
        help_text=gettext_lazy("The permit holder sees the reasons."),
    )


class DeclineRevocationForm(_RevisionForm):
    id_prefix = "decline"
    note = _text(gettext_lazy("Why the revocation is declined"), rows=3)


class ChangeQueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All open")), *[(s.value, s.label) for s in OPEN_STATES]],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Only overdue"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
