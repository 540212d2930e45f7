"""Password guessing: django-axes locks a username after repeated failed logins.

The admin login form is the one place a password is sent over HTTP; API tokens
are made with `manage.py drf_create_token` on the server, and token requests
never carry a password.
"""

import datetime
import time

import pytest
import pytest_django
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from claims.roles import REVIEWER
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str, password: str, address: str = "192.0.2.1") -> int:
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )
    return response.status_code


def logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture(autouse=True)
def fast_hashes(settings: pytest_django.Settings) -> None:
    """Each failed login hashes a password: a fast hasher keeps the test quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reviewer(db: None) -> User:
    return make_user("rachel", REVIEWER)


def test_the_right_password_is_refused_after_repeated_failures(
    reviewer: User, client: Client
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "rachel", "wrong") == 200  # the form again, with an error
    assert log_in(client, "rachel", "wrong") == 429
    assert log_in(client, "rachel", "rachel-password") == 429
    assert not logged_in(client)


def test_changing_address_does_not_help_the_guesser(reviewer: User, client: Client) -> None:
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rachel", "wrong", address=f"198.51.100.{number}")
    assert log_in(client, "rachel", "rachel-password", address="203.0.113.9") == 429
    assert not logged_in(client)


def test_another_login_is_not_locked(reviewer: User, client: Client) -> None:
    make_user("bob")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rachel", "wrong")
    assert log_in(client, "bob", "bob-password") == 302
    assert logged_in(client)


def test_a_success_resets_the_count(reviewer: User, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rachel", "wrong")
    assert log_in(client, "rachel", "rachel-password") == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rachel", "wrong")
    assert log_in(client, "rachel", "rachel-password") == 302


def test_the_lock_ends_after_the_cool_off(
    reviewer: User, client: Client, settings: pytest_django.Settings
) -> None:
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rachel", "wrong")
    assert log_in(client, "rachel", "rachel-password") == 429
    time.sleep(1.1)
    assert log_in(client, "rachel", "rachel-password") == 302
    assert logged_in(client)


def test_the_documented_defaults() -> None:
    """Five failures lock a username for 15 minutes (README: Configuration)."""
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
