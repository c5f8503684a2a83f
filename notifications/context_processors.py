from django.http import HttpRequest

from notifications.services import unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count in the header, for a signed-in user.

    Read with the user (accounts/backends.py) on each request, so it costs no query of its own; for a user
    loaded another way (at sign-in, say) it is one query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = getattr(user, "unread_notification_count", None)
    return {"unread_notifications": unread_count(user) if count is None else count}
