from django.contrib import admin
from django.http import HttpRequest

from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    Consultation,
    DataGroup,
    DisclosureProhibition,
    Product,
    Purpose,
    TermsVersion,
)


class NeverDeleteAdmin(admin.ModelAdmin):
    """Catalogue items are retired (`in use` off), never deleted: applications refer to them."""

    list_display = ["code", "name_fi", "name_sv", "name_en", "is_active", "sort_order"]
    list_filter = ["is_active"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_fi", "name_sv", "name_en"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(NeverDeleteAdmin):
    list_display = [*NeverDeleteAdmin.list_display, "is_technical_interface"]


@admin.register(DataGroup)
class DataGroupAdmin(NeverDeleteAdmin):
    list_display = [*NeverDeleteAdmin.list_display, "is_sensitive"]
    list_filter = ["is_active", "is_sensitive"]


@admin.register(DisclosureProhibition)
class DisclosureProhibitionAdmin(NeverDeleteAdmin):
    pass


@admin.register(Purpose)
class PurposeAdmin(NeverDeleteAdmin):
    filter_horizontal = ["prohibitions"]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "valid_from"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases are changed only through the portal's services, which audit every change."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "product", "status", "updated_at"]
    list_filter = ["status", "product"]
    search_fields = ["organisation__name", "organisation__business_id"]
    list_select_related = ["organisation", "product"]


@admin.register(ApplicationVersion)
class ApplicationVersionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_at"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "application", "content_type", "size", "sha256"]
    exclude = ["file"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "organisation", "state", "created_at"]
