"""The only way a view gets a notification: a user sees only their own; anyone else's answers 404."""

from uuid import UUID

from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import Notification


def access_notification(user: User, uuid: UUID) -> Notification:
    """Return the notification if it was addressed to `user`; otherwise 404, as if it did not exist."""
    return get_object_or_404(Notification.objects.for_user(user), uuid=uuid)
