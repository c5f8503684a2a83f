"""Every URL of the applications app, in the `applications` namespace."""

from django.urls import path

from applications import attachment_views, client_views, consultation_views, licensing_views, views

app_name = "applications"

urlpatterns = [
    # The wizard.
    path("applications/new/", views.create, name="create"),
    path("applications/<uuid:uuid>/copy/", views.copy, name="copy"),
    path("licensee/applications/new/", client_views.client_create, name="client_create"),
    # Before the wizard's /applications/<uuid>/<section>/, which would also match.
    path("applications/<uuid:uuid>/confirm/", licensing_views.confirm, name="confirm"),
    path(
        "applications/<uuid:uuid>/confirm/request/",
        licensing_views.confirmation_request,
        name="confirmation_request",
    ),
    path("applications/<uuid:uuid>/<slug:section>/", views.step, name="step"),
    # Consultations.
    path("consultations/", consultation_views.consultation_list, name="consultations"),
    path("consultations/new/", consultation_views.consultation_create, name="consultation_create"),
    path("consultations/<uuid:uuid>/", consultation_views.consultation_detail, name="consultation"),
    path(
        "consultations/<uuid:uuid>/reply/", consultation_views.consultation_reply, name="consultation_reply"
    ),
    path(
        "consultations/<uuid:uuid>/close/", consultation_views.consultation_close, name="consultation_close"
    ),
    # Attachments.
    path(
        "applications/<uuid:uuid>/attachments/upload/",
        attachment_views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "attachments/<uuid:uuid>/download/", attachment_views.attachment_download, name="attachment_download"
    ),
    path("attachments/<uuid:uuid>/remove/", attachment_views.attachment_remove, name="attachment_remove"),
]
