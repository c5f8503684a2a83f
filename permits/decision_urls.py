"""Decisions, what follows a grant, and the public verification page (included in the `permits` namespace)."""

from django.urls import path

from permits import decision_views as views

urlpatterns = [
    path("cases/<uuid:uuid>/decision/draft-grant/", views.draft_grant, name="decision_draft_grant"),
    path("cases/<uuid:uuid>/decision/draft-rejection/", views.draft_reject, name="decision_draft_reject"),
    path("cases/<uuid:uuid>/decision/discard/", views.discard_draft, name="decision_discard"),
    path("cases/<uuid:uuid>/decision/make/", views.decide, name="decision_make"),
    path("cases/<uuid:uuid>/terms/accept/", views.accept_terms, name="terms_accept"),
    path("cases/<uuid:uuid>/testing/open/", views.open_testing, name="testing_open"),
    path("cases/<uuid:uuid>/testing/report/", views.report_tests, name="tests_report"),
    path("cases/<uuid:uuid>/production/confirm/", views.confirm_production, name="production_confirm"),
    path("cases/<uuid:uuid>/revoke/", views.revoke, name="permit_revoke"),
    # Public: anyone holding a decision can check it is genuine.
    path("verify/", views.verify, name="verify"),
]
