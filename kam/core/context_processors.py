from django.http import HttpRequest

from kam.core.permissions import UserCapabilities


def navigation(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    return {"nav_section": match.namespace if match else ""}


def permissions(request: HttpRequest) -> dict:
    """`perms_kam`: the user's capabilities from kam.core.permissions, e.g.
    `{% if perms_kam.can_view_margins %}`; each is asked when a template uses it."""
    user = getattr(request, "user", None)
    return {"perms_kam": UserCapabilities(user)} if user is not None else {}
