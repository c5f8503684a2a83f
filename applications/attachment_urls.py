"""Attachment URLs, included in the `applications` namespace by applications/urls.py."""

from django.urls import path

from applications import attachment_views as views

urlpatterns = [
    path("applications/<uuid:uuid>/attachments/upload/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:uuid>/download/", views.attachment_download, name="attachment_download"),
    path("attachments/<uuid:uuid>/remove/", views.attachment_remove, name="attachment_remove"),
]
