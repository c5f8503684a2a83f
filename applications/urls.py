from django.urls import include, path

from applications import client_views, licensing_views, views

app_name = "applications"

urlpatterns = [
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
    path("", include("applications.consultation_urls")),
    path("", include("applications.attachment_urls")),
]
