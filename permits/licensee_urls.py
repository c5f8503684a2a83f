from django.urls import path

from permits import licensee_views

urlpatterns = [
    path("licensee/", licensee_views.licensee_dashboard, name="licensee_dashboard"),
]
