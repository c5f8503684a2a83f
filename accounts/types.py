"""Types for the type checker only."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view that needs sign-in: Django's LoginRequiredMiddleware has let only a signed-in
    user through to a view not marked `@login_not_required`, so `request.user` is a `User`.

    Only for annotations, as the django-stubs documentation suggests: Django still passes its own request.
    """

    user: User
