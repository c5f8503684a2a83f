from django.urls import include, path

app_name = "applications"

urlpatterns: list = [
    path("", include("applications.consultation_urls")),
]
