from django.http import HttpRequest, HttpResponse
from django.utils import translation

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
