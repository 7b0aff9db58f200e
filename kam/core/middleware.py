import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from kam.core.audit import Source, audit_source


class UserLanguageMiddleware:
    """A user's language setting wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class AuditSourceMiddleware:
    """Marks every change made in a request with where it came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_source(self.source_of(request)):
            return self.get_response(request)

    @staticmethod
    def source_of(request: HttpRequest) -> str:
        if request.path.startswith("/admin/"):
            return Source.ADMIN
        if request.path.startswith("/api/"):
            return Source.API
        return Source.UI


class RequestSizeLimitMiddleware:
    """Refuses a request whose announced body is larger than the upload limit (413), before any
    byte of the body is read: a 1 GiB upload costs one header line, not a gigabyte of traffic.

    The sales import takes the largest files (KAM_MAX_UPLOAD_MB); every other request is held to
    KAM_MAX_REQUEST_MB. A body without Content-Length is read only up to
    DATA_UPLOAD_MAX_MEMORY_SIZE by Django, and gunicorn limits the request line and headers.
    """

    LARGE_UPLOAD_PREFIXES = ("/sales/imports/", "/api/imports")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        announced = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(announced)
        except ValueError:
            return HttpResponse(_("Invalid Content-Length."), status=400)
        if size > self.limit_for(request.path):
            limit_mb = self.limit_for(request.path) // (1024 * 1024)
            message = _("The request is too large (at most %(limit)s MB).") % {"limit": limit_mb}
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"
            return response
        return self.get_response(request)

    def limit_for(self, path: str) -> int:
        megabytes = (
            settings.KAM_MAX_UPLOAD_MB
            if path.startswith(self.LARGE_UPLOAD_PREFIXES)
            else settings.KAM_MAX_REQUEST_MB
        )
        # One megabyte on top for the form fields and the multipart framing around the file.
        return (megabytes + 1) * 1024 * 1024


LOGIN_AT_KEY = "kam_login_at"
LAST_SEEN_KEY = "kam_last_seen"
#: The last-seen time is written at most once a minute, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in)
def _remember_login_time(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now


class SessionLimitsMiddleware:
    """Ends a session after KAM_SESSION_IDLE_MINUTES without a request, and in any case
    KAM_SESSION_MAX_HOURS after the login; the next page then asks for the login again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(SESSION_KEY):
            self.check(request)
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        login_at = session.setdefault(LOGIN_AT_KEY, now)
        last_seen = session.get(LAST_SEEN_KEY, now)
        idle = now - last_seen > settings.KAM_SESSION_IDLE_MINUTES * 60
        too_old = now - login_at > settings.KAM_SESSION_MAX_HOURS * 3600
        if idle or too_old:
            logout(request)
            return
        if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS or LAST_SEEN_KEY not in session:
            session[LAST_SEEN_KEY] = now
