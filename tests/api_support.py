"""Real HTTP against the live server: one requests session per persona.

Import the fixtures you use into the test module (pytest finds them there).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django.core.cache import cache
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from claims.roles import API_READER
from tests.conftest import make_user


class ApiSession(requests.Session):
    """A requests session whose paths are relative to the live server."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        path = url.decode() if isinstance(url, bytes) else url
        return super().request(method, self.base_url + path, *args, **kwargs)


def api_for(live_server: LiveServer, user: User | None = None) -> ApiSession:
    token = Token.objects.get_or_create(user=user)[0].key if user else None
    return ApiSession(live_server.url, token)


def fetch_all(api: ApiSession, path: str) -> list[dict[str, Any]]:
    """Follow the cursor to the end, collecting every row."""
    rows, url = [], path
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["results"]
        url = body["next"] and body["next"].removeprefix(api.base_url)
    return rows


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counts live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reader(db: None) -> User:
    """An analyst's login: the api_reader role, not staff."""
    user = make_user(username="reader", role=API_READER)
    user.is_staff = False
    user.save()
    return user


@pytest.fixture
def mallory(db: None) -> User:
    """A staff login without any role: denied everything."""
    return make_user("mallory")
