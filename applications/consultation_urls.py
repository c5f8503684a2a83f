"""Consultation URLs, included in the `applications` namespace by applications/urls.py."""

from django.urls import path

from applications import consultation_views as views

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("consultations/<uuid:uuid>/", views.consultation_detail, name="consultation"),
    path("consultations/<uuid:uuid>/reply/", views.consultation_reply, name="consultation_reply"),
    path("consultations/<uuid:uuid>/close/", views.consultation_close, name="consultation_close"),
]
