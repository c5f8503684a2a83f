from typing import TYPE_CHECKING, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit
from accounts.models import (
    AuditEvent,
    ClientMandate,
    FrameworkLicence,
    FrameworkLicenceQuerySet,
    Invitation,
    Membership,
    Organisation,
    User,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

admin.site.site_header = _("VTJ data permits – administration")
admin.site.site_title = _("VTJ data permits")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "language"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["full_name", "language"]}),
        (_("Rights"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    readonly_fields = ["last_login", "date_joined"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "kind", "require_mfa", "created_at"]
    list_filter = ["kind", "require_mfa"]
    search_fields = ["name", "business_id"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organisation",
        "role",
        "is_signatory",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token_hash", "created_at", "accepted_at", "accepted_by", "invited_by"]


class LicenceValidityFilter(admin.SimpleListFilter):
    """Valid today, not yet valid, or expired (Helsinki date)."""

    title = _("validity")
    parameter_name = "validity"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> "list[tuple[str, StrOrPromise]]":
        return [("valid", _("Valid today")), ("future", _("Not yet valid")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == "valid":
            # The admin filters FrameworkLicence.objects, our queryset; the base class types it loosely.
            return cast(FrameworkLicenceQuerySet, queryset).valid_on(today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset


@admin.register(FrameworkLicence)
class FrameworkLicenceAdmin(admin.ModelAdmin):
    """Registry administrators maintain licences; a licence is ended by its end date, never deleted."""

    list_display = ["number", "licensee", "valid_from", "valid_until"]
    list_filter = [LicenceValidityFilter]
    search_fields = ["number", "licensee__name", "licensee__business_id"]
    list_select_related = ["licensee"]
    autocomplete_fields = ["licensee"]
    filter_horizontal = ["products", "data_groups", "purposes"]
    readonly_fields = ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: list, change: bool) -> None:
        """Audit the licence with its scope, once the scope (many-to-many) is saved too."""
        super().save_related(request, form, formsets, change)
        licence = form.instance
        audit(
            # The admin lets in only signed-in staff.
            actor=request.user if request.user.is_authenticated else None,
            action="framework_licence_changed" if change else "framework_licence_added",
            target=licence,
            organisation=licence.licensee,
            number=licence.number,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            products=sorted(licence.products.values_list("code", flat=True)),
            data_groups=sorted(licence.data_groups.values_list("code", flat=True)),
            purposes=sorted(licence.purposes.values_list("code", flat=True)),
        )


@admin.register(ClientMandate)
class ClientMandateAdmin(admin.ModelAdmin):
    """Read-only: a mandate is the client's own; the licensee registers it and the client's admin ends it."""

    list_display = ["licensee", "client", "starts_on", "ends_on", "ended_at"]
    list_filter = ["ends_on", "ended_at"]
    search_fields = ["licensee__name", "licensee__business_id", "client__name", "client__business_id"]
    list_select_related = ["licensee", "client"]
    # The file itself is handed out only by the portal's access-checked download.
    exclude = ["power_of_attorney"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only in the database as well."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "organisation"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor__email", "organisation__name"]
    list_select_related = ["actor", "organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
