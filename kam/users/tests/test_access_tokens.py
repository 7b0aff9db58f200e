"""Personal access tokens: made and revoked on the settings page, only a hash stored, used as a
Bearer token on the JSON API with the user's visibility and margin permission, rate-limited."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from ninja import Router
from ninja.testing import TestClient

from kam.testing.factories import AccountFactory
from kam.users.api_auth import token_auth
from kam.users.models import AccessToken, TokenScope
from kam.users.services import access_token_create, access_token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_settings_page_creates_a_token_shown_once_and_stores_only_its_hash(client, alice):
    client.force_login(alice)
    response = client.post(reverse("users:tokens"), {"name": "ERP", "scope": "read", "days": 90})
    secret = response.context["secret"]
    assert secret.startswith("kam_") and secret in response.content.decode()
    token = AccessToken.objects.get(user=alice)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(value) for value in AccessToken.objects.values_list().get()}
    assert token.expires_at.date() == (timezone.now() + timedelta(days=90)).date()
    assert secret not in client.get(reverse("users:tokens")).content.decode()


def test_a_token_is_valid_for_at_most_a_year(client, alice):
    client.force_login(alice)
    response = client.post(reverse("users:tokens"), {"name": "ERP", "scope": "read", "days": 400})
    assert response.context["form"].errors["days"]
    assert not AccessToken.objects.exists()


def test_the_settings_page_revokes_a_token(client, alice):
    token, secret = access_token_create(user=alice, name="ERP")
    client.force_login(alice)
    assert client.post(reverse("users:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get("/api/accounts/", **bearer(secret)).status_code == 401


def test_another_users_token_cannot_be_revoked(client, alice, bob):
    token, _ = access_token_create(user=alice, name="ERP")
    client.force_login(bob)
    assert client.post(reverse("users:token_revoke", args=[token.pk])).status_code == 404


def test_a_token_reads_with_its_users_visibility(client, bob, carol):
    own = AccountFactory(owner=bob)
    foreign = AccountFactory(owner=carol)
    _, secret = access_token_create(user=bob, name="script")
    response = client.get("/api/accounts/", **bearer(secret))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [own.pk]
    assert client.get(f"/api/accounts/{foreign.pk}", **bearer(secret)).status_code == 404


def test_a_token_has_its_users_margin_permission(client, bob, alice):
    account = AccountFactory(owner=bob)
    _, field_secret = access_token_create(user=bob, name="script")
    _, kam_secret = access_token_create(user=alice, name="script")
    url = f"/api/accounts/{account.pk}/figures"
    assert client.get(url, **bearer(field_secret)).json()["margin_12m"] is None
    assert client.get(url, **bearer(kam_secret)).json()["margin_12m"] is not None


def test_expired_revoked_unknown_and_inactive_tokens_are_refused(client, alice, bob):
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        _, expired = access_token_create(user=alice, name="old", days=1)
    revoked_token, revoked = access_token_create(user=alice, name="gone")
    access_token_revoke(token=revoked_token)
    _, inactive = access_token_create(user=bob, name="left")
    bob.is_active = False
    bob.save()
    for secret in (expired, revoked, inactive, "kam_unknown", "not-a-token"):
        assert client.get("/api/accounts/", **bearer(secret)).status_code == 401, secret


def test_the_last_use_is_recorded(client, alice):
    token, secret = access_token_create(user=alice, name="ERP")
    client.get("/api/accounts/", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def writing_api() -> TestClient:
    router = Router(auth=token_auth)

    @router.post("/thing")
    def post_thing(request):
        return {"user": request.user.username}

    @router.get("/thing")
    def get_thing(request):
        return {"user": request.user.username}

    return TestClient(router)


def test_a_read_token_cannot_write_and_a_write_token_can(alice):
    api = writing_api()
    _, read = access_token_create(user=alice, name="read", scope=TokenScope.READ)
    _, write = access_token_create(user=alice, name="write", scope=TokenScope.WRITE)
    assert api.get("/thing", headers={"Authorization": f"Bearer {read}"}).status_code == 200
    assert api.post("/thing", headers={"Authorization": f"Bearer {read}"}).status_code == 403
    response = api.post("/thing", headers={"Authorization": f"Bearer {write}"})
    assert response.status_code == 200
    assert response.json() == {"user": "alice"}


def test_a_token_is_rate_limited_per_minute(client, alice, settings):
    settings.KAM_API_TOKEN_RATE_PER_MINUTE = 3
    _, secret = access_token_create(user=alice, name="ERP")
    _, other = access_token_create(user=alice, name="other")
    with time_machine.travel(timezone.now().replace(second=15), tick=False):
        statuses = [client.get("/api/accounts/", **bearer(secret)).status_code for _ in range(4)]
        refused = client.get("/api/accounts/", **bearer(secret))
        assert client.get("/api/accounts/", **bearer(other)).status_code == 200
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429 and refused["Retry-After"] == "45"
    with time_machine.travel(timezone.now().replace(second=15) + timedelta(minutes=1)):
        assert client.get("/api/accounts/", **bearer(secret)).status_code == 200
