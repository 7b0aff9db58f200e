"""Login throttling (django-axes), session limits, password hashing, request size (#13.2-4, 6)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from kam.testing.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 11, 30, 14, 20, tzinfo=BERLIN)


def log_in(client: Client, username: str, password: str, address: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("home")


@pytest.mark.django_db
def test_fifty_wrong_passwords_lock_the_login_until_the_cool_off_ends():
    UserFactory(username="anna", password="right-pass")
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(50):
            log_in(client, "anna", "wrong", "10.0.0.1")
            clock.shift(dt.timedelta(seconds=1))
        refused = log_in(client, "anna", "right-pass", "10.0.0.1")
        assert not logged_in(refused)
        assert refused.status_code == 429
        # The fifth failure at 14:20:04 locked the login for 15 minutes.
        assert "Zu viele Fehlversuche. Bitte versuchen Sie es um 14:35 Uhr erneut." in (
            refused.content.decode()
        )
        assert AccessFailureLog.objects.filter(username="anna").count() >= 5

        clock.shift(dt.timedelta(minutes=15))
        assert logged_in(log_in(client, "anna", "right-pass", "10.0.0.1"))


@pytest.mark.django_db
def test_a_locked_login_leaves_other_users_at_other_addresses_alone():
    UserFactory(username="anna", password="right-pass")
    UserFactory(username="bernd", password="bernd-pass")
    with time_machine.travel(START, tick=False):
        for _ in range(50):
            log_in(Client(), "anna", "wrong", "10.0.0.1")
        assert logged_in(log_in(Client(), "bernd", "bernd-pass", "10.0.0.2"))


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked_too():
    UserFactory(username="bernd", password="bernd-pass")
    with time_machine.travel(START, tick=False):
        for number in range(10):
            log_in(Client(), f"guess{number}", "wrong", "10.0.0.9")
        assert not logged_in(log_in(Client(), "bernd", "bernd-pass", "10.0.0.9"))
        assert logged_in(log_in(Client(), "bernd", "bernd-pass", "10.0.0.2"))


@pytest.mark.django_db
@override_settings(KAM_CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_the_address_comes_from_the_configured_header():
    UserFactory(username="bernd", password="bernd-pass")
    with time_machine.travel(START, tick=False):
        for number in range(10):
            Client().post(
                reverse("login"),
                {"username": f"guess{number}", "password": "wrong"},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9",
            )
        # Another client behind the same proxy is not locked out with the attacker.
        other = Client().post(
            reverse("login"),
            {"username": "bernd", "password": "bernd-pass"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.0.0.2",
        )
        assert logged_in(other)
    assert AccessFailureLog.objects.filter(ip_address="10.0.0.9").count() >= 5
    assert not AccessFailureLog.objects.filter(ip_address="127.0.0.1").exists()


# --- sessions


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes():
    user = UserFactory(username="anna")
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(user)
        assert client.get(reverse("accounts:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("accounts:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("accounts:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("accounts:list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_a_session_ends_ten_hours_after_the_login_however_busy():
    user = UserFactory(username="anna")
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(user)
        for _ in range(9 * 4 + 3):  # a request every 15 minutes for 9¾ hours
            assert client.get(reverse("accounts:list")).status_code == 200
            clock.shift(dt.timedelta(minutes=15))
        clock.shift(dt.timedelta(minutes=16))
        assert client.get(reverse("accounts:list")).status_code == 302


@pytest.mark.django_db
@override_settings(KAM_SESSION_IDLE_MINUTES=5)
def test_the_idle_timeout_is_a_setting():
    user = UserFactory(username="anna")
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(user)
        assert client.get(reverse("accounts:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=6))
        assert client.get(reverse("accounts:list")).status_code == 302


# --- password hashing


@pytest.mark.django_db
@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_a_pbkdf2_password_is_rehashed_with_argon2_at_login():
    from django.conf import settings

    from kam.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = UserFactory(username="anna")
    user.password = make_password("right-pass", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert logged_in(log_in(Client(), "anna", "right-pass", "10.0.0.1"))
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


# --- request size


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sales/imports/new/", "/complaints/", "/login/"])
def test_a_request_announcing_one_gibibyte_is_refused_unread(path):
    from django.test import RequestFactory

    from kam.core.middleware import RequestSizeLimitMiddleware

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().post(path, data=b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(1024**3)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    middleware = RequestSizeLimitMiddleware(lambda request: request.body)
    response = middleware(request)
    assert response.status_code == 413


@pytest.mark.django_db
def test_the_whole_stack_answers_413_for_an_oversized_upload(leader):
    client = signed_in_client(leader)
    response = client.generic(
        "POST",
        "/sales/imports/new/",
        data=b"x",
        content_type="text/csv",
        CONTENT_LENGTH=str(1024**3),
    )
    assert response.status_code == 413


def test_the_settings_bound_what_django_keeps_in_memory():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024


def test_kam_serve_bounds_the_request_head_in_gunicorn():
    from kam.core.management.commands.serve import Command

    argv = Command._web({"host": "127.0.0.1", "port": 8000, "workers": 1, "threads": 1})
    options = dict(zip(argv, argv[1:], strict=False))
    assert int(options["--limit-request-line"]) <= 4094
    assert int(options["--limit-request-fields"]) <= 100
    assert int(options["--limit-request-field_size"]) <= 8190
