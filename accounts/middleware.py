import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.rules import has_authenticator, must_use_mfa

# What a user who must enrol an authenticator may still reach.
MFA_ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "account_reauthenticate",
        "account_logout",
        "set_language",
    }
)


class UserLanguageMiddleware:
    """Signed-in users see the portal in the language they chose; others by cookie or browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.user.language:
            translation.activate(request.user.language)
            request.LANGUAGE_CODE = request.user.language
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Sign authority staff out after STAFF_IDLE_TIMEOUT_MINUTES without a request."""

    SESSION_KEY = "last_request_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff:
            now = int(time.time())
            last = request.session.get(self.SESSION_KEY, now)
            if now - last > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(
                    request, _("You were signed out after a period of inactivity. Please sign in again.")
                )
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
            # Written at most once a minute: the timeout needs no finer grain, and a session write per
            # request costs every staff page three statements.
            if now - last >= 60 or self.SESSION_KEY not in request.session:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """A user who must use two-factor sign-in but has no authenticator reaches only the enrolment pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        if match and match.url_name in MFA_ENROLMENT_URL_NAMES:
            return None
        if must_use_mfa(user) and not has_authenticator(user):
            messages.warning(
                request, _("Set up two-factor sign-in with an authenticator app before you continue.")
            )
            return redirect("mfa_activate_totp")
        return None
