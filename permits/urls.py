from django.urls import include, path

from permits import views

app_name = "permits"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    # Included before applications.urls, whose /applications/<uuid>/<section>/ would also match.
    path("applications/<uuid:uuid>/submit/", views.submit, name="submit"),
    path("cases/<uuid:uuid>/", views.case, name="case"),
    path("cases/<uuid:uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("documents/<uuid:uuid>/", views.document, name="document"),
    # Officers' side (and the applicant's answers to it), one module each.
    path("", include("permits.queue_urls")),
    path("", include("permits.overview_urls")),
    path("", include("permits.licensee_urls")),
    path("", include("permits.case_urls")),
    path("", include("permits.decision_urls")),
    path("", include("permits.amendment_urls")),
    path("", include("permits.mandate_urls")),
    path("", include("permits.change_urls")),
]
