"""Every URL of the applications app, in the `applications` namespace."""

from django.urls import path

from applications.views import attachments, clients, consultations, licensing, wizard

app_name = "applications"

urlpatterns = [
    # The wizard.
    path("applications/new/", wizard.create, name="create"),
    path("applications/<uuid:uuid>/copy/", wizard.copy, name="copy"),
    path("licensee/applications/new/", clients.client_create, name="client_create"),
    # Before the wizard's /applications/<uuid>/<section>/, which would also match.
    path("applications/<uuid:uuid>/confirm/", licensing.confirm, name="confirm"),
    path(
        "applications/<uuid:uuid>/confirm/request/",
        licensing.confirmation_request,
        name="confirmation_request",
    ),
    path("applications/<uuid:uuid>/<slug:section>/", wizard.step, name="step"),
    # Consultations.
    path("consultations/", consultations.consultation_list, name="consultations"),
    path("consultations/new/", consultations.consultation_create, name="consultation_create"),
    path("consultations/<uuid:uuid>/", consultations.consultation_detail, name="consultation"),
    path("consultations/<uuid:uuid>/reply/", consultations.consultation_reply, name="consultation_reply"),
    path("consultations/<uuid:uuid>/close/", consultations.consultation_close, name="consultation_close"),
    # Attachments.
    path(
        "applications/<uuid:uuid>/attachments/upload/",
        attachments.attachment_upload,
        name="attachment_upload",
    ),
    path("attachments/<uuid:uuid>/download/", attachments.attachment_download, name="attachment_download"),
    path("attachments/<uuid:uuid>/remove/", attachments.attachment_remove, name="attachment_remove"),
]
