"""Change notifications: the holder's side and the officers' list and page (namespace permits)."""

from django.urls import path

from permits import change_views

urlpatterns = [
    # The holder's side.
    path("cases/<uuid:uuid>/changes/new/", change_views.change_new, name="change_new"),
    path("changes/<uuid:uuid>/", change_views.change_detail, name="change"),
    path("changes/<uuid:uuid>/answer/", change_views.change_answer, name="change_answer"),
    path("change-attachments/<uuid:uuid>/", change_views.change_attachment, name="change_attachment"),
    # The officers' side.
    path("officer/changes/", change_views.change_queue, name="change_queue"),
    path("officer/changes/<uuid:uuid>/", change_views.officer_change, name="officer_change"),
    path("officer/changes/<uuid:uuid>/acknowledge/", change_views.acknowledge, name="change_acknowledge"),
    path("officer/changes/<uuid:uuid>/request-info/", change_views.request_info, name="change_request_info"),
    path(
        "officer/changes/<uuid:uuid>/amendment/",
        change_views.require_amendment,
        name="change_require_amendment",
    ),
    path(
        "officer/changes/<uuid:uuid>/propose-revocation/",
        change_views.propose_revocation,
        name="change_propose_revocation",
    ),
    path("officer/changes/<uuid:uuid>/revoke/", change_views.revoke, name="change_revoke"),
    path(
        "officer/changes/<uuid:uuid>/decline-revocation/",
        change_views.decline_revocation,
        name="change_decline_revocation",
    ),
]
