from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")

    def ready(self) -> None:
        # accounts cannot import permits: it announces a changed organisation, and permits reminds the
        # holder's signatories to notify the change (permits.services.changes.remind_to_notify_change).
        from accounts.signals import organisation_changed
        from permits.services.changes import remind_to_notify_change

        organisation_changed.connect(remind_to_notify_change, dispatch_uid="permits_change_reminder")
