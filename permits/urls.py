"""Every URL of the permits app, in the `permits` namespace; the views are grouped by sub-domain."""

from django.urls import path

from permits.views import amendments, applicant, case, changes, decisions, licensee, mandates, overview, queue

app_name = "permits"

urlpatterns = [
    # The applicant's dashboard and case page.
    path("dashboard/", applicant.dashboard, name="dashboard"),
    # Included before applications.urls, whose /applications/<uuid>/<section>/ would also match.
    path("applications/<uuid:uuid>/submit/", applicant.submit, name="submit"),
    path("cases/<uuid:uuid>/", applicant.case, name="case"),
    path("cases/<uuid:uuid>/withdraw/", applicant.withdraw, name="withdraw"),
    path("documents/<uuid:uuid>/", applicant.document, name="document"),
    # The officers' work queue and deadline overview.
    path("officer/queue/", queue.queue, name="queue"),
    path("officer/queue.csv", queue.queue_csv, name="queue_csv"),
    path("officer/cases/<uuid:uuid>/assign/", queue.assign, name="assign"),
    path("officer/overview/", overview.overview, name="overview"),
    # A framework licensee's clients.
    path("licensee/", licensee.licensee_dashboard, name="licensee_dashboard"),
    # The officers' case page and processing actions, and the applicant's answers to them.
    path("officer/cases/<uuid:uuid>/", case.officer_case, name="officer_case"),
    path("officer/cases/<uuid:uuid>/supplement/", case.request_supplement, name="request_supplement"),
    path("officer/cases/<uuid:uuid>/negotiation/", case.start_negotiation, name="start_negotiation"),
    path(
        "officer/cases/<uuid:uuid>/technical-review/",
        case.start_technical_review,
        name="start_technical_review",
    ),
    path("officer/cases/<uuid:uuid>/messages/", case.officer_message, name="officer_message"),
    path("officer/cases/<uuid:uuid>/meetings/", case.record_meeting, name="record_meeting"),
    path("officer/cases/<uuid:uuid>/review/<slug:code>/", case.review_item, name="review_item"),
    path("officer/cases/<uuid:uuid>/notes/", case.add_note, name="add_note"),
    path("officer/cases/<uuid:uuid>/target-date/", case.extend_target, name="extend_target"),
    path("supplements/<uuid:uuid>/answer/", case.supplement_answer, name="supplement_answer"),
    path("cases/<uuid:uuid>/negotiation/", case.negotiation_reply, name="negotiation_reply"),
    # Decisions and what follows a grant.
    path("cases/<uuid:uuid>/decision/draft-grant/", decisions.draft_grant, name="decision_draft_grant"),
    path("cases/<uuid:uuid>/decision/draft-rejection/", decisions.draft_reject, name="decision_draft_reject"),
    path("cases/<uuid:uuid>/decision/discard/", decisions.discard_draft, name="decision_discard"),
    path("cases/<uuid:uuid>/decision/make/", decisions.decide, name="decision_make"),
    path("cases/<uuid:uuid>/terms/accept/", decisions.accept_terms, name="terms_accept"),
    path("cases/<uuid:uuid>/testing/open/", decisions.open_testing, name="testing_open"),
    path("cases/<uuid:uuid>/testing/report/", decisions.report_tests, name="tests_report"),
    path("cases/<uuid:uuid>/production/confirm/", decisions.confirm_production, name="production_confirm"),
    path("cases/<uuid:uuid>/revoke/", decisions.revoke, name="permit_revoke"),
    # Public: anyone holding a decision can check it is genuine.
    path("verify/", decisions.verify, name="verify"),
    # Amending and renewing a permit.
    path("cases/<uuid:uuid>/amend/", amendments.amend, name="amend"),
    # A client's mandates for framework licensees.
    path("mandates/<uuid:uuid>/end/", mandates.mandate_end, name="mandate_end"),
    path("mandates/<uuid:uuid>/power-of-attorney/", mandates.power_of_attorney, name="power_of_attorney"),
    # Change notifications: the holder's side, then the officers'.
    path("cases/<uuid:uuid>/changes/new/", changes.change_new, name="change_new"),
    path("changes/<uuid:uuid>/", changes.change_detail, name="change"),
    path("changes/<uuid:uuid>/answer/", changes.change_answer, name="change_answer"),
    path("change-attachments/<uuid:uuid>/", changes.change_attachment, name="change_attachment"),
    path("officer/changes/", changes.change_queue, name="change_queue"),
    path("officer/changes/<uuid:uuid>/", changes.officer_change, name="officer_change"),
    path("officer/changes/<uuid:uuid>/acknowledge/", changes.acknowledge, name="change_acknowledge"),
    path("officer/changes/<uuid:uuid>/request-info/", changes.request_info, name="change_request_info"),
    path(
        "officer/changes/<uuid:uuid>/amendment/", changes.require_amendment, name="change_require_amendment"
    ),
    path(
        "officer/changes/<uuid:uuid>/propose-revocation/",
        changes.propose_revocation,
        name="change_propose_revocation",
    ),
    path("officer/changes/<uuid:uuid>/revoke/", changes.revoke, name="change_revoke"),
    path(
        "officer/changes/<uuid:uuid>/decline-revocation/",
        changes.decline_revocation,
        name="change_decline_revocation",
    ),
]
