"""Amending and renewing a permit (namespace permits)."""

from django.urls import path

from permits import amendment_views

urlpatterns = [
    path("cases/<uuid:uuid>/amend/", amendment_views.amend, name="amend"),
]
