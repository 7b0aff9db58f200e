"""How the JSON API knows its caller: a personal access token (`Authorization: Bearer kam_...`)
or the browser's session.

A token acts as its user (visibility and margin permission as on the pages). A read token may
only read: POST, PUT, PATCH and DELETE need the write scope (403). Each token may make
`KAM_API_TOKEN_RATE_PER_MINUTE` requests a minute (429 with Retry-After), counted in the cache.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from kam.users.models import AccessToken
from kam.users.services import TOKEN_PREFIX, access_token_touch, token_hash

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def usable_token(secret: str) -> AccessToken | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = AccessToken.objects.select_related("user").filter(token_hash=token_hash(secret)).first()
    if token is None or not token.is_usable(timezone.now()):
        return None
    return token


def count_request(token: AccessToken) -> None:
    """A fixed one-minute window per token; the first request over the limit is refused."""
    now = timezone.now().timestamp()
    window = int(now // 60)
    key = f"kam:api-token-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        used = 1
    if used > settings.KAM_API_TOKEN_RATE_PER_MINUTE:
        raise RateLimited(retry_after=max(1, 60 - int(now % 60)))


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> AccessToken | None:
        access_token = usable_token(token.strip())
        if access_token is None:
            return None
        count_request(access_token)
        if request.method not in SAFE_METHODS and not access_token.can_write:
            raise HttpError(403, "This token may only read (scope: read).")
        access_token_touch(token=access_token)
        request.user = access_token.user
        return access_token


token_auth = TokenAuth()
