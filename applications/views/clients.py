"""A framework licensee's member starts an application for a client (applications.services.licensing does the work)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.context import active_membership
from accounts.mandates import valid_licence
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.catalogue import SECTION_SLUGS
from applications.forms.licensing import ClientApplicationForm
from applications.selectors.licensing import active_clients
from applications.services.licensing import application_start_for_client


def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For members of the acting organisation while it holds a valid framework licence; others get 403."""
    membership = None if request.user.is_staff else active_membership(request)
    licence = valid_licence(membership.organisation) if membership else None
    if membership is None or licence is None:
        message = _(
            "Only members of an organisation holding a valid framework licence can start applications "
            "for clients. If you belong to a licensee, choose it under “Acting for” first."
        )
        return render(request, "applications/refused.html", {"message": message}, status=403)
    licensee = membership.organisation
    clients = active_clients(licensee)
    posted = request.method == "POST"
    form = (
        ClientApplicationForm(request.POST, request.FILES, clients=clients)
        if posted
        else ClientApplicationForm(clients=clients)
    )
    status = 200
    if posted:
        if form.is_valid():
            try:
                application = application_start_for_client(
                    licensee=licensee, user=request.user, **form.cleaned_data
                )
            except PortalError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "A draft application for %(client)s was started. Prepare it; the client's "
                        "representative then reviews and confirms it."
                    )
                    % {"client": application.organisation.name},
                )
                return redirect("applications:step", application.uuid, SECTION_SLUGS[0])
        else:
            status = 400
    context = {"form": form, "licensee": licensee, "licence": licence}
    return render(request, "applications/client_create.html", context, status=status)
