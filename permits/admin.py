from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit
from permits.models import Permit, PermitEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the portal's services, which lock, log and audit every change."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def permit_of(self, obj: Any) -> Permit:  # Any: each admin takes its own model's rows
        raise NotImplementedError

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Staff views of a case are logged here as on the case page (Information Management Act)."""
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_permission(request, obj):
            permit = self.permit_of(obj)
            audit(
                actor=request.user if request.user.is_authenticated else None,
                action="case_viewed",
                target=permit,
                organisation=permit.application.organisation,
                via="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ["reference", "organisation", "state", "decision_due", "assigned_to"]
    list_filter = ["state"]
    search_fields = ["reference", "application__organisation__name", "application__organisation__business_id"]
    list_select_related = ["application__organisation", "assigned_to"]
    exclude = ["application"]
    readonly_fields = [
        "reference",
        "organisation",
        "state",
        "resume_state",
        "submitted_at",
        "decision_due",
        "assigned_to",
        "decided_at",
        "closed_at",
        "last_activity_at",
    ]

    @admin.display(description=_("applicant"), ordering="application__organisation__name")
    def organisation(self, obj: Permit) -> str:
        return obj.application.organisation.name

    def permit_of(self, obj: Permit) -> Permit:
        return obj


@admin.register(PermitEvent)
class PermitEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "permit", "action", "from_state", "to_state", "actor", "visible_to_applicant"]
    list_filter = ["action", "visible_to_applicant"]
    search_fields = ["permit__reference"]
    list_select_related = ["permit", "actor"]
    date_hierarchy = "at"

    def permit_of(self, obj: PermitEvent) -> Permit:
        return obj.permit
