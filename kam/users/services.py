"""Writes for users."""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.users.models import MARGIN_ROLES, Role, User


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
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    if margins if margins is not None else role in MARGIN_ROLES:
        user.user_permissions.add(Permission.objects.get(codename="view_margins"))
    return user
