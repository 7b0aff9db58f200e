"""Writes of notifications. Every app that wants a user to look at something calls `notify`."""

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.notifications.models import Kind, Notification, NotificationPreference
from kam.users.models import User

logger = logging.getLogger(__name__)

_TITLE_MAX = Notification._meta.get_field("title").max_length or 300
_URL_MAX = Notification._meta.get_field("url").max_length or 500
_KEY_MAX = Notification._meta.get_field("key").max_length or 200


def _safe_url(url: str) -> str:
    """Only kam's own paths and web addresses become links (never `javascript:` and the like)."""
    url = url.strip()
    if (url.startswith("/") and not url.startswith("//")) or url.startswith(
        ("https://", "http://")
    ):
        return url[:_URL_MAX]
    return ""


def _shortened(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def _record(*, recipient: User, kind: str, title: str, url: str, key: str) -> Notification | None:
    if recipient is None or not recipient.is_active:
        return None
    notification = Notification(
        recipient=recipient,
        kind=kind[:40],
        title=_shortened(title),
        url=_safe_url(url),
        key=key[:_KEY_MAX],
    )
    try:
        # A savepoint of its own: losing the race on the unique key (another process recorded
        # the same notification first) rolls back only this insert, never the caller's work.
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if not key:
            raise
        return None
    return notification


def notify(
    *, recipient: User, kind: str, title: str, url: str = "", key: str = ""
) -> Notification | None:
    """Puts a notification into `recipient`'s inbox; with a non-empty `key`, at most once per
    recipient and key (a second call returns None, also when two processes call at once).

    When the recipient turned on mail in their notification settings, it is also mailed after
    the surrounding transaction commits (a rolled-back write sends nothing).
    """
    notification = _record(recipient=recipient, kind=kind, title=title, url=url, key=key)
    if notification is not None and wants_mail(recipient):
        transaction.on_commit(lambda: _mail(notification))
    return notification


def notify_in_inbox(
    *, recipient: User, kind: str, title: str, url: str = "", key: str = ""
) -> Notification | None:
    """As `notify`, but never by mail: for jobs that send their own, more detailed mail."""
    return _record(recipient=recipient, kind=kind, title=title, url=url, key=key)


#: "@anna" or "@a.schmidt" (a login as Django allows them), but not the "@" of an e-mail address.
_MENTION = re.compile(r"(?<![\w.+-])@([\w.@+-]+)")
#: More names than this in one text are not a mention but a list; the rest are ignored.
MENTIONS_MAX = 20


def mentioned_users(text: str) -> list[User]:
    """The active users whose login the text names with an @ (case-insensitive; punctuation
    right after the name, as in "@anna.", is not part of it)."""
    names = sorted({name.rstrip(".-+@").lower() for name in _MENTION.findall(text or "")} - {""})
    if not names:
        return []
    logins = Q()
    for name in names[:MENTIONS_MAX]:
        logins |= Q(username__iexact=name)
    return list(User.objects.filter(logins, is_active=True).order_by("pk"))


def mentions_notify(
    *, author: User, text: str, about: str, url: str, key: str, may_see: Callable[[User], bool]
) -> list[Notification]:
    """Notifies every user the text mentions (see `mentioned_users`) that `author` mentioned
    them in `about`, in the recipient's language, once per recipient and `key` (saving the
    text again notifies only who is newly mentioned). The author and users who may not see
    the object (`may_see`) are left out. The title is stored as text and escaped where shown."""
    sent = []
    for user in mentioned_users(text):
        if user.pk == author.pk or not may_see(user):
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            title = _("%(author)s mentioned you: %(about)s") % {"author": author, "about": about}
        notification = notify(
            recipient=user, kind=Kind.MENTION, title=title, url=url, key=f"mention:{key}"
        )
        if notification is not None:
            sent.append(notification)
    return sent


def wants_mail(user: User) -> bool:
    return bool(
        user.email and NotificationPreference.objects.filter(user=user, by_mail=True).exists()
    )


def _absolute(url: str) -> str:
    return settings.KAM_BASE_URL.rstrip("/") + url if url.startswith("/") else url


def _mail(notification: Notification) -> None:
    user = notification.recipient
    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            body = render_to_string(
                "notifications/mail/notification.txt",
                {"notification": notification, "url": _absolute(notification.url), "user": user},
            )
            send_mail(f"[kam] {notification.title}", body, None, [user.email])
    except Exception:
        # The notification is in the inbox; a mail server that is down must not undo it.
        logger.exception("notification %s could not be mailed", notification.pk)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Marks the user's unread notifications read (all, or those of `ids`); returns how many.

    Only the user's own notifications are touched: another user's id is silently ignored.
    """
    unread: QuerySet[Notification] = Notification.objects.filter(
        recipient=user, read_at__isnull=True
    )
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notification_preference_set(*, user: User, by_mail: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"by_mail": by_mail}
    )
    return preference
