"""The in-app notifications: the list, marking read, and the email preferences."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.types import AuthenticatedHttpRequest
from notifications import services
from notifications.access import access_notification
from notifications.forms import PreferencesForm
from notifications.models import Notification

PAGE_SIZE = 25


@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first, a page at a time (the same few queries for any number)."""
    notifications = Notification.objects.for_user(request.user).only(
        "uuid", "kind", "subject", "link", "created_at", "read_at"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
def notification_read(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """Mark one notification read; with `open`, go on to the page it is about."""
    notification = access_notification(request.user, uuid)
    services.mark_read(user=request.user, notification=notification)
    if request.POST.get("open") and notification.link.startswith(settings.SITE_URL + "/"):
        return redirect(notification.link)
    return redirect(_back(request))


@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect(_back(request))


@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Every box unticked posts nothing at all, which is still an answer.
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial_email=services.email_preferences(request.user),
    )
    if request.method == "POST":
        if form.is_valid():
            services.preferences_update(user=request.user, email=form.email_choices())
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


def _back(request: HttpRequest) -> str:
    """The list page the user came from (its page number kept), never another site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "notifications:list"
