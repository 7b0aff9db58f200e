"""Writes for users."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.permissions import gets_admin_rights, gets_margins_by_default
from kam.users.models import AccessToken, Role, TokenScope, User


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    manager: User | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    margins: bool | None = None,
) -> User:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    user = User(
        username=username,
        role=role,
        manager=manager,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=gets_admin_rights(role),
        is_superuser=gets_admin_rights(role),
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    if margins if margins is not None else gets_margins_by_default(role):
        user.user_permissions.add(Permission.objects.get(codename="view_margins"))
    return user


#: Every token's secret starts with this, so that a leaked one is easy to recognise (and scan for).
TOKEN_PREFIX = "kam_"  # noqa: S105 (a prefix, not a secret)
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def access_token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, days: int = TOKEN_DEFAULT_DAYS
) -> tuple[AccessToken, str]:
    """A new token and its secret; the secret is never stored and cannot be shown again."""
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("A token is valid for 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS}}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        name=name.strip(),
        scope=scope,
        token_hash=token_hash(secret),
        hint=secret[:10],
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, secret


def access_token_revoke(*, token: AccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def access_token_touch(*, token: AccessToken) -> None:
    """Records the use, at most once a minute (the API may be called many times a second)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
