"""The officers' deadline overview; included in the `permits` namespace."""

from django.urls import path

from permits import overview_views

urlpatterns = [
    path("officer/overview/", overview_views.overview, name="overview"),
]
