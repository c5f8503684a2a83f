"""Change notifications: the holder files and answers them, officers list and handle them.

Views are thin: access → form → service → message → redirect. A refused action shows the page again with
the form as it was filled in, a readable message and the service's status (400, 403, 409, 415). Staff
views of a change notification and downloads of its attachments are audited (Information Management Act).
"""

import logging
from collections.abc import Callable
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import audit
from accounts.rules import is_decision_maker, is_officer
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.uploads import TXT
from permits.access import access_change, access_change_attachment, access_permit
from permits.deadlines import local_date
from permits.display import event_label
from permits.forms.changes import (
    AcknowledgeForm,
    AmendmentForm,
    ChangeNotificationForm,
    ChangeQueueFilterForm,
    DeclineRevocationForm,
    InfoAnswerForm,
    InfoRequestForm,
    ProposeRevocationForm,
    RevokeForm,
)
from permits.models import ChangeKind, ChangeNotification, ChangeState, Permit
from permits.rules import may_answer_change
from permits.selectors import changes as changes_selectors
from permits.selectors.amendments import may_amend
from permits.selectors.queue import deadline_text
from permits.services import changes
from permits.views.actions import not_saved, post_action

logger = logging.getLogger(__name__)


C = ChangeState


def _new_page(
    request: HttpRequest,
    permit: Permit,
    form: ChangeNotificationForm,
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "permit": permit,
        "form": form,
        "refusal": refusal,
        "contacts_kind": ChangeKind.CONTACTS.value,
        "application": permit.application,
    }
    return render(request, "permits/change_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
def change_new(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """The holder's change notification form, and filing it."""
    permit = access_permit(request.user, uuid)
    try:
        changes.change_notify_check(permit=permit, user=request.user)
    except PortalError as exc:
        return _new_page(request, permit, ChangeNotificationForm(), refusal=exc.message, status=exc.status)
    if request.method == "GET":
        return _new_page(request, permit, ChangeNotificationForm())
    form = ChangeNotificationForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, not_saved())
        return _new_page(request, permit, form, status=400)
    try:
        change = changes.change_notify(permit=permit, user=request.user, **form.service_arguments())
    except PortalError as exc:
        form.add_error(None, exc.message)
        return _new_page(request, permit, form, status=exc.status)
    messages.success(
        request,
        _("The change was notified to the agency. Its reference is %(reference)s.")
        % {"reference": change.reference},
    )
    return redirect("permits:change", change.uuid)


def _change_page(
    request: AuthenticatedHttpRequest,
    change: ChangeNotification,
    *,
    answer_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    if user.is_staff:
        audit(
            actor=user,
            action="change_viewed",
            target=change,
            organisation=change.permit.application.organisation,
            reference=change.reference,
            page="applicant",
        )
    events = list(changes_selectors.change_events(change, applicant=True))
    for event in events:
        event.label = event_label(event)
    can_answer = change.state == C.INFO_REQUESTED and may_answer_change(user, change)
    # The amendment an officer required: the holder continues the draft, or follows the case it became.
    amendment = change.amendment if change.amendment_id else None
    amendment_case = (
        Permit.objects.filter(application=amendment).only("uuid", "reference").first()
        if amendment is not None and amendment.status != "draft"
        else None
    )
    context = {
        "change": change,
        "permit": change.permit,
        "plain_state": changes_selectors.plain_change_state(change.state),
        "contacts": changes_selectors.contacts_text(change.contacts),
        "attachments": changes_selectors.attachment_rows(change),
        "events": events,
        "can_answer": can_answer,
        "answer_form": answer_form or InfoAnswerForm(),
        "amendment": amendment,
        "amendment_case": amendment_case,
        "can_amend": amendment is not None and may_amend(user, change.permit),
    }
    return render(request, "permits/change.html", context, status=status)


@require_GET
def change_detail(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """A change notification as the holder sees it, with the agency's request for more information."""
    return _change_page(request, access_change(request.user, uuid))


@require_POST
def change_answer(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """The holder answers the agency's request for more information."""
    change = access_change(request.user, uuid)
    form = InfoAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, not_saved())
        return _change_page(request, change, answer_form=form, status=400)
    try:
        changes.change_answer_info(change=change, user=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _change_page(request, access_change(request.user, uuid), answer_form=form, status=exc.status)
    messages.success(request, _("Your answer was sent to the agency."))
    return redirect("permits:change", change.uuid)


@require_GET
def change_attachment(request: AuthenticatedHttpRequest, uuid: UUID) -> FileResponse:
    """An attachment of a change notification, always as a download; staff downloads are audited."""
    attachment = access_change_attachment(request.user, uuid)
    change = attachment.change
    if request.user.is_staff:
        audit(
            actor=request.user,
            action="change_attachment_viewed",
            target=attachment,
            organisation=change.permit.application.organisation,
            change=change.reference,
            name=attachment.display_name,
        )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("The stored file of change attachment %s is missing.", attachment.uuid)
        raise Http404 from None
    content_type = attachment.content_type
    if content_type == TXT:
        content_type += "; charset=utf-8"  # checked to be UTF-8 on upload
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.display_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def change_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open change notifications, the soonest handling target date first; filters by state and overdue."""
    if not is_officer(request.user):
        raise PermissionDenied
    form = ChangeQueueFilterForm(request.GET or None)
    today = local_date(timezone.now())
    if form.is_bound and not form.is_valid():
        return render(request, "permits/change_queue.html", {"form": form, "invalid": True}, status=400)
    filters = form.cleaned_data if form.is_bound else {"state": "", "overdue": False}
    page = Paginator(
        changes_selectors.change_queue(today=today, **filters), changes_selectors.QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for change in rows:
        change.days_left = (change.due - today).days
        change.deadline_text = deadline_text(change.days_left)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "today": today}
    return render(request, "permits/change_queue.html", context)


def officer_change_page(
    request: AuthenticatedHttpRequest,
    change: ChangeNotification,
    *,
    bound: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the officers' page of a change notification (and audit the view).

    Only the actions this person may take in the notification's state get a form; `bound` replaces a
    default form by one filled in (with errors).
    """
    user = request.user
    permit = change.permit
    audit(
        actor=user,
        action="change_viewed",
        target=change,
        organisation=permit.application.organisation,
        reference=change.reference,
        page="officer",
    )
    bound = bound or {}
    revision = {"revision": change.revision}
    officer = is_officer(user)
    decider = is_decision_maker(user)
    received = change.state == C.RECEIVED
    proposed = change.state == C.REVOCATION_PROPOSED
    events = list(changes_selectors.change_events(change))
    for event in events:
        event.label = event_label(event)
    actions: dict[str, forms.Form] = {}
    if officer and received:
        actions["acknowledge"] = bound.get("acknowledge") or AcknowledgeForm(initial=revision)
        actions["info"] = bound.get("info") or InfoRequestForm(
            initial={**revision, "respond_by": changes.default_info_respond_by()}
        )
        actions["amendment"] = bound.get("amendment") or AmendmentForm(initial=revision)
        actions["propose"] = bound.get("propose") or ProposeRevocationForm(initial=revision)
    if decider and proposed and change.handled_by_id != user.pk:
        actions["revoke"] = bound.get("revoke") or RevokeForm(initial=revision)
        actions["decline"] = bound.get("decline") or DeclineRevocationForm(initial=revision)
    today = local_date(timezone.now())
    context = {
        "change": change,
        "permit": permit,
        "application": permit.application,
        "contacts": changes_selectors.contacts_text(change.contacts),
        "attachments": changes_selectors.attachment_rows(change),
        "granted_groups": list(permit.granted_groups.order_by("sort_order", "code")),
        "events": events,
        "actions": actions,
        "own_proposal": proposed and change.handled_by_id == user.pk,
        "days_left": (change.due - today).days,
        "deadline_text": deadline_text((change.due - today).days),
        "is_open": change.state in changes_selectors.OPEN_STATES,
    }
    return render(request, "permits/officer_change.html", context, status=status)


@require_GET
def officer_change(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    change = access_change(request.user, uuid, write=True)
    return officer_change_page(request, _with_people(change))


def _with_people(change: ChangeNotification) -> ChangeNotification:
    fresh = ChangeNotification.objects.select_related(
        "filed_by", "assigned_to", "handled_by", "amendment__permit"
    ).get(pk=change.pk)
    fresh.permit = change.permit
    return fresh


def _officer_action(
    request: AuthenticatedHttpRequest,
    uuid: UUID,
    *,
    form_class: type[forms.Form],
    key: str,
    act: Callable[[ChangeNotification, dict], object],
    done: str,
) -> HttpResponse:
    """An action on the officers' change page (permits.views.actions.post_action)."""
    return post_action(
        request,
        fetch=lambda: _with_people(access_change(request.user, uuid, write=True)),
        make_form=lambda data, _change: form_class(data),
        act=act,
        page=lambda change, bound, status: officer_change_page(
            request, change, bound={key: bound}, status=status
        ),
        done=done,
        then=lambda change: reverse("permits:officer_change", args=[change.uuid]),
    )


@require_POST
def acknowledge(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=AcknowledgeForm,
        key="acknowledge",
        act=lambda change, data: changes.change_acknowledge(change=change, officer=request.user, **data),
        done=_("The change notification was acknowledged."),
    )


@require_POST
def request_info(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=InfoRequestForm,
        key="info",
        act=lambda change, data: changes.change_request_info(change=change, officer=request.user, **data),
        done=_("The request for more information was sent to the permit holder."),
    )


@require_POST
def require_amendment(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=AmendmentForm,
        key="amendment",
        act=lambda change, data: changes.change_require_amendment(
            change=change, officer=request.user, **data
        ),
        done=_("An amendment was required; the amendment application was opened for the permit holder."),
    )


@require_POST
def propose_revocation(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=ProposeRevocationForm,
        key="propose",
        act=lambda change, data: changes.change_propose_revocation(
            change=change, officer=request.user, **data
        ),
        done=_("Revocation was proposed; a decision maker decides on it."),
    )


@require_POST
def revoke(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=RevokeForm,
        key="revoke",
        act=lambda change, data: changes.change_revoke_permit(
            change=change, decision_maker=request.user, **data
        ),
        done=_("The permit was revoked."),
    )


@require_POST
def decline_revocation(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form_class=DeclineRevocationForm,
        key="decline",
        act=lambda change, data: changes.change_decline_revocation(
            change=change, decision_maker=request.user, **data
        ),
        done=_("The proposed revocation was declined."),
    )
