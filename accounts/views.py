from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.access import access_invitation, access_membership, access_organisation
from accounts.context import SESSION_KEY, active_membership, user_memberships
from accounts.forms import (
    InvitationForm,
    LanguageForm,
    MembershipForm,
    OrganisationEditForm,
    OrganisationForm,
    ProfileForm,
)
from accounts.mandates import licences_of, mandates_given_by
from accounts.models import Invitation, MembershipRole, Organisation
from accounts.rules import is_officer
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest

PENDING_INVITATION_KEY = "pending_invitation"


@login_not_required
@require_GET
def front(request: HttpRequest) -> HttpResponse:
    return render(request, "front.html")


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is remembered on their account."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("front")
    response = redirect(next_url)
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered languages."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        # settings.py's "Lax" is inferred as `str`, not as one of the values set_cookie takes.
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where sign-in lands: staff go to their page; others to their organisation or to getting started."""
    if request.user.is_staff:
        return render(request, "accounts/staff_home.html")
    token = request.session.pop(PENDING_INVITATION_KEY, None)
    if token:
        return redirect("accounts:invitation", token)
    membership = active_membership(request)
    if membership is None:
        invitations = Invitation.objects.pending().filter(email__iexact=request.user.email)
        return render(
            request, "accounts/get_started.html", {"invitations": invitations.select_related("organisation")}
        )
    return redirect("permits:dashboard")


@require_POST
def switch_organisation(request: AuthenticatedHttpRequest) -> HttpResponse:
    uuid = request.POST.get("organisation", "")
    membership = next((m for m in user_memberships(request) if str(m.organisation.uuid) == uuid), None)
    if membership is None:
        messages.error(request, _("You are not a member of that organisation."))
        return redirect("accounts:home")
    request.session[SESSION_KEY] = uuid
    messages.success(request, _("You are now acting for %(name)s.") % {"name": membership.organisation.name})
    return redirect("accounts:organisation", membership.organisation.uuid)


def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = services.organisation_create(user=request.user, **form.cleaned_data)
            except PortalError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                request.session[SESSION_KEY] = str(organisation.uuid)
                messages.success(
                    request, _("The organisation was registered. You are its administrator and signatory.")
                )
                return redirect("accounts:organisation", organisation.uuid)
        else:
            status = 400
    return render(request, "accounts/organisation_form.html", {"form": form, "creating": True}, status=status)


def organisation_detail(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    organisation = access_organisation(request.user, uuid)
    return _organisation_page(request, organisation)


def _organisation_page(
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    *,
    invitation_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The organisation page; refused changes show it again with their message and a 4xx status."""
    memberships = list(organisation.memberships.select_related("user"))
    is_admin = any(m.user_id == request.user.pk and m.is_admin for m in memberships)
    context = {
        "organisation": organisation,
        "memberships": memberships,
        "is_admin": is_admin,
        "invitations": organisation.invitations.pending().select_related("invited_by") if is_admin else [],
        "invitation_form": invitation_form or InvitationForm(),
        "role_choices": MembershipRole.choices,
        "licences": licences_of(organisation),
        # The licensees acting for the organisation, to its members and to the authority's case handlers.
        "client_mandates": (
            mandates_given_by(organisation)
            if any(m.user_id == request.user.pk for m in memberships) or is_officer(request.user)
            else []
        ),
    }
    return render(request, "accounts/organisation_detail.html", context, status=status)


def organisation_edit(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    organisation = access_organisation(request.user, uuid, manage=True)
    form = OrganisationEditForm(request.POST or None, instance=organisation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organisation_update(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except PortalError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The organisation's details were saved."))
                return redirect("accounts:organisation", organisation.uuid)
        else:
            status = 400
    # The form validated against a copy; show the stored values in the page heading.
    organisation.refresh_from_db()
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


@require_POST
def invitation_create(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    organisation = access_organisation(request.user, uuid, manage=True)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(organisation=organisation, inviter=request.user, **form.cleaned_data)
        except PortalError as exc:
            form.add_error(None, exc.message)
            return _organisation_page(request, organisation, invitation_form=form, status=exc.status)
        messages.success(
            request,
            _("An invitation was sent to %(email)s. It is valid for %(days)d days.")
            % {"email": form.cleaned_data["email"], "days": settings.INVITATION_VALID_DAYS},
        )
        return redirect("accounts:organisation", organisation.uuid)
    return _organisation_page(request, organisation, invitation_form=form, status=400)


@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    invitation = access_invitation(request.user, uuid, manage=True)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _organisation_page(request, invitation.organisation, status=exc.status)
    messages.success(request, _("The invitation to %(email)s was cancelled.") % {"email": invitation.email})
    return redirect("accounts:organisation", invitation.organisation.uuid)


@login_not_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. Anyone with the link sees whom it is from; accepting needs sign-in."""
    found = services.invitation_for_token(token)
    if not request.user.is_authenticated:
        if found is not None:
            request.session[PENDING_INVITATION_KEY] = token
        return render(
            request,
            "accounts/invitation.html",
            {"invitation": found, "token": token},
            status=200 if found else 404,
        )
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except PortalError as exc:
            messages.error(request, exc.message)
            return render(
                request, "accounts/invitation.html", {"invitation": found, "token": token}, status=exc.status
            )
        request.session[SESSION_KEY] = str(membership.organisation.uuid)
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organisation.name})
        return redirect("accounts:organisation", membership.organisation.uuid)
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "token": token},
        status=200 if found else 404,
    )


@require_POST
def membership_update(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    membership = access_membership(request.user, uuid, manage=True)
    form = MembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return _organisation_page(request, membership.organisation, status=400)
    try:
        services.membership_update(membership=membership, actor=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _organisation_page(request, membership.organisation, status=exc.status)
    messages.success(
        request, _("The rights of %(name)s were saved.") % {"name": membership.user.get_full_name()}
    )
    return redirect("accounts:organisation", membership.organisation.uuid)


@require_POST
def membership_remove(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    membership = access_membership(request.user, uuid, manage=True)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _organisation_page(request, membership.organisation, status=exc.status)
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("You left %(name)s.") % {"name": membership.organisation.name})
        return redirect("accounts:home")
    messages.success(request, _("%(name)s was removed.") % {"name": membership.user.get_full_name()})
    return redirect("accounts:organisation", membership.organisation.uuid)


def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.user_update_profile(user=request.user, **form.cleaned_data)
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your details were saved."))
            return redirect("accounts:profile")
        status = 400
        request.user.refresh_from_db()
    return render(request, "accounts/profile.html", {"form": form}, status=status)
