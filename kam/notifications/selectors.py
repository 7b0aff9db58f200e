"""Reads of notifications: a user only ever reads their own."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kam.notifications.models import Notification, NotificationPreference
from kam.users.models import User


def unread_count(user: User) -> int:
    """The bell's number: one indexed COUNT."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created", "-pk")


def notification_get(*, user: User, pk: int) -> Notification:
    """One of the user's notifications, or 404 (another user's is not found, not forbidden)."""
    return get_object_or_404(Notification, recipient=user, pk=pk)


def notification_preference(user: User) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
