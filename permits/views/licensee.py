"""The framework licensee's dashboard (permits.selectors.licensee reads it)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.context import active_membership
from accounts.types import AuthenticatedHttpRequest
from permits.deadlines import local_date
from permits.selectors.licensee import licence_with_scope, licensee_clients


@require_GET
def licensee_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For members of the acting organisation while it holds a valid framework licence; others get 403."""
    today = local_date(timezone.now())
    membership = None if request.user.is_staff else active_membership(request)
    licence = licence_with_scope(membership.organisation, today) if membership else None
    if membership is None or licence is None:  # no licence without a membership
        message = _(
            "This page is for members of an organisation holding a valid framework licence. If you belong "
            "to a licensee, choose it under “Acting for” first."
        )
        return render(request, "applications/refused.html", {"message": message}, status=403)
    licensee = membership.organisation
    context = {
        "licensee": licensee,
        "licence": licence,
        "clients": licensee_clients(user=request.user, licensee=licensee, licence=licence, today=today),
        "today": today,
    }
    return render(request, "permits/licensee_dashboard.html", context)
