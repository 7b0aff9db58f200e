"""The JSON API against its own OpenAPI schema (schemathesis, in-process through the WSGI app):
every status code an operation answers is documented, no answer is a server error, every body
matches its schema. Run as sales leadership and as a field rep, each with an API token."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kam.api import api
from kam.testing.factories import AccountFactory
from kam.users.models import TokenScope
from kam.users.services import access_token_create
from kam.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

#: Examples per operation: enough to find undocumented codes and crashes in well under 90 s.
MAX_EXAMPLES = 8
#: A file of the right shape may still be refused with 400 (not CSV or XLSX, unreadable): the
#: schema cannot say what an acceptable sales file contains, so this heuristic does not apply.
EXCLUDED_CHECKS = [positive_data_acceptance]


@pytest.fixture
def connection_kept():
    """The WSGI app closes the database connection after each request; the test's transaction
    must survive them (Django's test client disconnects the same handlers)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def api_schema():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
    schema.app = application
    return schema


def failures_for(user) -> list[str]:
    _token, secret = access_token_create(user=user, name="schemathesis", scope=TokenScope.WRITE)
    headers = {"Authorization": f"Bearer {secret}"}
    found: list[str] = []
    for result in api_schema().get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 (collected, reported below)
            found.append(f"{operation.label}: {failure}"[:1500])
    return found


@override_settings(KAM_API_TOKEN_RATE_PER_MINUTE=1_000_000, ALLOWED_HOSTS=["*"])
@pytest.mark.parametrize("role", ["leader", "bob"])
def test_the_api_keeps_to_its_schema(role, request, alice, carol, connection_kept):
    user = request.getfixturevalue(role)
    AccountFactory(owner=alice)
    AccountFactory(owner=carol)
    failures = failures_for(user)
    assert not failures, "\n".join(failures)
