"""A client's mandates for framework licensees (included in the `permits` namespace)."""

from django.urls import path

from permits import mandate_views as views

urlpatterns = [
    path("mandates/<uuid:uuid>/end/", views.mandate_end, name="mandate_end"),
    path("mandates/<uuid:uuid>/power-of-attorney/", views.power_of_attorney, name="power_of_attorney"),
]
