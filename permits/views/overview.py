"""The officers' deadline overview page (permits.selectors.overview computes it)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.rules import is_officer
from accounts.types import AuthenticatedHttpRequest
from permits.deadlines import local_date
from permits.selectors.overview import deadline_overview
from permits.selectors.queue import DUE_SOON_DAYS


@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open cases near or past their target date, and how the last 13 months' decisions kept to theirs."""
    if not is_officer(request.user):
        context: dict[str, object] = {
            "title": _("No access"),
            "message": _("The deadline overview is for the authority's officers."),
        }
        return render(request, "permits/_overview_refused.html", context, status=403)
    context = {
        "overview": deadline_overview(user=request.user, today=local_date(timezone.now())),
        "due_soon_days": DUE_SOON_DAYS,
    }
    return render(request, "permits/overview.html", context)
