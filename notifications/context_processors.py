from django.http import HttpRequest

from notifications.services import unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count in the header, for a signed-in user (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
