"""The JSON API (OpenAPI at /api/docs). Every endpoint reads through the scoping selectors.

Callers authenticate with a personal access token (`Authorization: Bearer kam_...`, see
`kam.users.api_auth`) or with the browser's session.
"""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.security import django_auth

from kam.accounts.api import router as accounts_router
from kam.analysis.api import router as analysis_router
from kam.complaints.api import router as complaints_router
from kam.conditions.api import router as conditions_router
from kam.profitability.api import router as profitability_router
from kam.sales.api import router as sales_router
from kam.users.api_auth import RateLimited, token_auth

api = NinjaAPI(
    title="kam API",
    version="1",
    auth=[token_auth, django_auth],
    urls_namespace="api",
    docs_decorator=login_required,
)
api.add_router("/accounts", accounts_router)
api.add_router("/accounts", analysis_router)
api.add_router("/complaints", complaints_router)
api.add_router("/imports", sales_router)
api.add_router("/conditions", conditions_router)
api.add_router("/", profitability_router)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = api.create_response(
        request, {"detail": "Too many requests with this token."}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response
