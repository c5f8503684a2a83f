from django.urls import include, path

from applications import views

app_name = "applications"

urlpatterns = [
    path("applications/new/", views.create, name="create"),
    path("applications/<uuid:uuid>/copy/", views.copy, name="copy"),
    path("applications/<uuid:uuid>/<slug:section>/", views.step, name="step"),
    path("", include("applications.consultation_urls")),
    path("", include("applications.attachment_urls")),
]
