"""The attachment upload form; the file is checked by applications.uploads."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import AttachmentKind
from applications.uploads import DESCRIPTION_MAX_LENGTH, MAX_ATTACHMENTS, allowed_types_message, megabytes


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of attachment"), choices=AttachmentKind.choices, initial=AttachmentKind.OTHER
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=DESCRIPTION_MAX_LENGTH, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own id prefix, so that the form can share a page with the application's other fields.
        kwargs.setdefault("auto_id", "attachment-%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.odt,.docx,.txt"
        self.fields["file"].help_text = (
            allowed_types_message()
            + " "
            + _("The largest allowed size is %(limit)s MB; an application can have %(count)s attachments.")
            % {"limit": megabytes(settings.ATTACHMENT_MAX_BYTES), "count": MAX_ATTACHMENTS}
        )
