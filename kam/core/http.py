"""Request helpers shared by every app: the typed request, integer parameters, client address."""

from django.conf import settings
from django.http import HttpRequest

from kam.users.models import User

#: The largest value a database id (a signed 64-bit integer) can hold. A larger number in a URL
#: would make SQLite raise OverflowError and PostgreSQL "bigint out of range": never send it.
#: (The JSON API bounds its parameters in kam.core.api_errors.)
MAX_DATABASE_INT = 2**63 - 1


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind login_required: `user` is a real user."""

    user: User


def id_param(raw: object) -> int | None:
    """The id in a query parameter, or None (an invalid filter, ignored) if it is not one.

    Only ASCII digits count ("²".isdigit() is true, but int("²") fails) and only numbers that
    fit a database id: a 23-digit number must not reach the database.
    """
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    number = int(raw)
    return number if 0 < number <= MAX_DATABASE_INT else None


def client_address(request: HttpRequest) -> str:
    """The client's address: from the header the reverse proxy sets (KAM_CLIENT_IP_HEADER), or
    the connection's. With a proxy that appends to X-Forwarded-For, the last entry is the one the
    proxy saw itself; earlier entries are whatever the client claimed and are not trusted."""
    header = settings.KAM_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries:
            return entries[-1][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]
