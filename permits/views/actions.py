"""The one shape of every POST action on a case or change page: access → form → service → message → redirect.

Bad input answers 400 with the page and the form's errors. A refused action (PortalError) answers with its
status: a 400 puts the service's message on the form; a 403 or 409 shows it as a message and the filled-in
form again carrying the object's current revision, so that sending it once more, after seeing what changed,
is a deliberate act rather than a stale click. Nothing is saved unless the service succeeds.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.services import PortalError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")


def not_saved() -> str:
    # The form may be far down a long page: say at the top why the page came back.
    return _("Nothing was saved. Correct the marked fields and send the form again.")


def post_action(
    request: HttpRequest,
    *,
    fetch: Callable[[], T],
    make_form: Callable[[QueryDict, T], forms.Form],
    act: Callable[[T, dict[str, Any]], object],
    page: Callable[[T, forms.Form, int], HttpResponse],
    done: "StrOrPromise",
    then: Callable[[T], str],
) -> HttpResponse:
    """Run one action. `fetch` gets the object through its access function (404/403); `make_form` binds the
    form to the posted data; `act` calls the service; `page` shows the page again with a form and a status;
    `then` is the address to go to after success."""
    obj = fetch()
    form = make_form(request.POST, obj)
    if not form.is_valid():
        messages.error(request, not_saved())
        return page(obj, form, 400)
    try:
        act(obj, form.cleaned_data)
    except PortalError as exc:
        current = fetch()
        if exc.status == 400:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
            form = with_revision(
                form, getattr(current, "revision", None), lambda data: make_form(data, current)
            )
        return page(current, form, exc.status)
    messages.success(request, done)
    return redirect(then(obj))


def with_revision(
    form: forms.Form, revision: int | None, bind: Callable[[QueryDict], forms.Form]
) -> forms.Form:
    """The same filled-in form carrying `revision` (when it has that field), validated to show its state."""
    if revision is None or "revision" not in form.fields:
        return form
    if not isinstance(form.data, QueryDict):  # post_action binds every form to request.POST
        raise TypeError("The form is not bound to posted data.")
    data = form.data.copy()
    data[form.add_prefix("revision")] = str(revision)
    refreshed = bind(data)
    refreshed.is_valid()
    return refreshed
