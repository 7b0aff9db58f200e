from django.http import HttpRequest

from kam.users.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind login_required: `user` is a real user."""

    user: User
