from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only delivery records: what was sent to whom, and why a send failed.

    The message bodies are left out: an invitation's body holds its one-time link.
    """

    list_display = ["created_at", "kind", "email", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["email", "idempotency_key"]
    list_select_related = ["recipient"]
    # A tuple, so that the one sequence types as both (a list of names is not a list of field groups).
    readonly_fields = (
        "uuid",
        "kind",
        "recipient",
        "email",
        "language",
        "subject",
        "link",
        "idempotency_key",
        "email_wanted",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_until",
        "sent_at",
        "created_at",
        "read_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
