"""The officers' case page and processing actions, and the applicant's answers to them (namespace permits)."""

from django.urls import path

from permits import case_views

urlpatterns = [
    path("officer/cases/<uuid:uuid>/", case_views.officer_case, name="officer_case"),
    path("officer/cases/<uuid:uuid>/supplement/", case_views.request_supplement, name="request_supplement"),
    path("officer/cases/<uuid:uuid>/negotiation/", case_views.start_negotiation, name="start_negotiation"),
    path(
        "officer/cases/<uuid:uuid>/technical-review/",
        case_views.start_technical_review,
        name="start_technical_review",
    ),
    path("officer/cases/<uuid:uuid>/messages/", case_views.officer_message, name="officer_message"),
    path("officer/cases/<uuid:uuid>/meetings/", case_views.record_meeting, name="record_meeting"),
    path("officer/cases/<uuid:uuid>/review/<slug:code>/", case_views.review_item, name="review_item"),
    path("officer/cases/<uuid:uuid>/notes/", case_views.add_note, name="add_note"),
    path("officer/cases/<uuid:uuid>/target-date/", case_views.extend_target, name="extend_target"),
    # The applicant's side: answering a supplement request (its uuid) and writing in the negotiation.
    path("supplements/<uuid:uuid>/answer/", case_views.supplement_answer, name="supplement_answer"),
    path("cases/<uuid:uuid>/negotiation/", case_views.negotiation_reply, name="negotiation_reply"),
]
