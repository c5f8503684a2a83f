"""Decisions, what follows a grant, and the public verification of a decision.

Each action view: access → form → service → message → redirect to the case. A refused action answers
with its status (400 bad input, 403 no right, 409 wrong state or a stale form) on the case page shown
again: the officers' page for the officers' actions, the applicant's page for the signatory's.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.types import AuthenticatedHttpRequest
from permits.access import access_permit
from permits.display import plain_state
from permits.forms import decisions as decisions_forms
from permits.forms.decisions import (
    VerifyForm,
)
from permits.models import (
    Permit,
)
from permits.selectors import decisions as decisions_selectors
from permits.services import decisions
from permits.views.actions import post_action
from permits.views.pages import applicant_case_page, applicant_permit_context, officer_case_page

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Look-ups of verification codes allowed per client address and minute.
VERIFY_RATE_PER_MINUTE = 30


FormFactory = Callable[[QueryDict, Permit], forms.Form]


def _officer_page(
    request: AuthenticatedHttpRequest, permit: Permit, key: str, form: forms.Form, status: int
) -> HttpResponse:
    return officer_case_page(request, permit, decision_bound={key: form}, status=status)


def _applicant_page(
    request: AuthenticatedHttpRequest, permit: Permit, key: str, form: forms.Form, status: int
) -> HttpResponse:
    extra = applicant_permit_context(request.user, permit, bound={key: form})
    return applicant_case_page(request, permit, extra=extra, status=status)


def _act(
    request: AuthenticatedHttpRequest,
    uuid: UUID,
    *,
    officer: bool,
    key: str,
    make_form: FormFactory,
    run: Callable[[Permit, dict], object],
    success: "StrOrPromise",
) -> HttpResponse:
    """A decision or after-grant action (permits.views.actions.post_action), from the officers' case page
    or, for the holder's signatory, from the applicant's."""
    page = _officer_page if officer else _applicant_page
    return post_action(
        request,
        fetch=lambda: access_permit(request.user, uuid, write=officer),
        make_form=make_form,
        act=run,
        page=lambda permit, form, status: page(request, permit, key, form, status),
        done=success,
        then=lambda permit: (
            reverse("permits:officer_case" if officer else "permits:case", args=[permit.uuid])
            + ("#decision" if officer else "#permit")
        ),
    )


@require_POST
def draft_grant(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="grant",
        make_form=lambda data, permit: decisions_forms.GrantDraftForm(data, permit=permit),
        run=lambda permit, data: decisions.decision_draft_grant(
            permit=permit, presenter=request.user, **data
        ),
        success=gettext_lazy("The grant was drafted. Another decision maker makes the decision."),
    )


@require_POST
def draft_reject(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="reject",
        make_form=lambda data, permit: decisions_forms.RejectDraftForm(data),
        run=lambda permit, data: decisions.decision_draft_reject(
            permit=permit, presenter=request.user, **data
        ),
        success=gettext_lazy("The rejection was drafted. Another decision maker makes the decision."),
    )


@require_POST
def discard_draft(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="discard",
        make_form=lambda data, permit: decisions_forms.DiscardForm(data),
        run=lambda permit, data: decisions.decision_discard(permit=permit, officer=request.user, **data),
        success=gettext_lazy("The draft decision was discarded."),
    )


@require_POST
def decide(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="decide",
        make_form=lambda data, permit: decisions_forms.DecideForm(data),
        run=lambda permit, data: decisions.decision_make(permit=permit, decision_maker=request.user, **data),
        success=gettext_lazy(
            "The decision was made. Its PDF is being prepared and the applicant is notified."
        ),
    )


@require_POST
def accept_terms(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=False,
        key="accept",
        make_form=lambda data, permit: decisions_forms.AcceptTermsForm(data),
        run=lambda permit, data: decisions.permit_accept_terms(
            permit=permit, user=request.user, revision=data["revision"], terms_version=data["terms_version"]
        ),
        success=gettext_lazy("The terms were accepted. The agency opens test access next."),
    )


@require_POST
def open_testing(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="open_testing",
        make_form=lambda data, permit: decisions_forms.OpenTestingForm(data),
        run=lambda permit, data: decisions.permit_open_testing(permit=permit, officer=request.user, **data),
        success=gettext_lazy("Testing was opened and the permit holder is notified."),
    )


@require_POST
def report_tests(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=False,
        key="report",
        make_form=lambda data, permit: decisions_forms.ReportTestsForm(data),
        run=lambda permit, data: decisions.permit_report_tests(permit=permit, user=request.user, **data),
        success=gettext_lazy("The agency was told that the tests are done. It confirms production use next."),
    )


@require_POST
def confirm_production(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="production",
        make_form=lambda data, permit: decisions_forms.ConfirmProductionForm(data),
        run=lambda permit, data: decisions.permit_confirm_production(
            permit=permit, officer=request.user, **data
        ),
        success=gettext_lazy("Production use was confirmed and the permit holder is notified."),
    )


@require_POST
def revoke(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _act(
        request,
        uuid,
        officer=True,
        key="revoke",
        make_form=lambda data, permit: decisions_forms.RevokeForm(data),
        run=lambda permit, data: decisions.permit_revoke(permit=permit, decision_maker=request.user, **data),
        success=gettext_lazy("The permit was revoked and the permit holder is notified."),
    )


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count a look-up for the client's address (as sign-in rate limits see it); True past the limit."""
    ip = get_adapter(request).get_client_ip(request)
    key = f"permits:verify:{ip}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > VERIFY_RATE_PER_MINUTE
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=60)
        return False


@login_not_required
@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Public: confirm that a decision with this code exists. Shows only reference, holder, state and date."""
    if "code" not in request.GET:
        return render(request, "permits/verify.html", {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return render(request, "permits/verify.html", {"form": form}, status=400)
    if _over_rate_limit(request):
        context = {"form": form, "error": _("Too many look-ups from your address. Try again in a minute.")}
        return render(request, "permits/verify.html", context, status=429)
    decision = decisions_selectors.decision_by_code(form.cleaned_data["code"])
    if decision is None:
        context = {
            "form": form,
            "error": _("No decision has this verification code. Check the code and try again."),
        }
        return render(request, "permits/verify.html", context, status=404)
    permit = decision.permit
    result = {
        "reference": permit.reference,
        "holder": permit.application.organisation.name,
        "state": plain_state(permit.state),
        "decided_at": decision.decided_at,
    }
    return render(request, "permits/verify.html", {"form": form, "result": result})
