"""The API as clients see it: one session per persona, with the same calls in process
(through the whole Django stack: middleware, authentication, DRF, serializers) or
over real HTTP against the live server.

Most tests use api_as(user): no socket, and the test's transaction is simply rolled
back. A focused end-to-end set uses api_for(live_server, user), which needs a
committed database (TransactionTestCase: flushed after each test, so it costs more).

Import the fixtures you use into the test module (pytest finds them there).
"""

from collections.abc import Iterator, Mapping
from json import dumps, loads
from typing import Any, cast

import pytest
import requests
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Document
from claims.roles import API_READER
from tests.conftest import make_user


def claim_body(document: Document, quote: str, **fields: Any) -> dict[str, Any]:
    """A claim of `quote` in `document` as a client sends it (its first occurrence)."""
    start = document.text.index(quote)
    return {
        "document": document.pk,
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "claim_type": "assessment",
        "attribution": "authorial",
        **fields,
    }


def token_for(user: User | None) -> str | None:
    return Token.objects.get_or_create(user=user)[0].key if user else None


class Reply:
    """A finished response with the parts of requests.Response that tests read."""

    def __init__(self, response: HttpResponseBase) -> None:
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers
        if isinstance(response, StreamingHttpResponse):
            self.content = b"".join(cast(Iterator[bytes], response.streaming_content))
        else:
            self.content = cast(HttpResponse, response).content

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return loads(self.content)


class InProcessApi:
    """DRF's APIClient with a persona's token, called like a requests session.

    The token goes in the Authorization header, so authentication runs as for a
    real client (no force_authenticate).
    """

    base_url = "http://testserver"

    def __init__(self, token: str | None = None) -> None:
        self.client = APIClient()
        if token:
            self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def request(
        self, method: str, path: str, json: Any = None, data: Any = None, **kwargs: Any
    ) -> Reply:
        headers = kwargs.pop("headers", None) or {}
        assert not kwargs, f"not supported in process: {sorted(kwargs)}"
        if json is not None:
            data, content_type = dumps(json), "application/json"
        else:
            content_type = headers.pop("Content-Type", "application/octet-stream")
        call = getattr(self.client, method)
        if method == "get":
            response = call(path, headers=headers)
        else:
            response = call(path, data=data, content_type=content_type, headers=headers)
        return Reply(response)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("get", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("post", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("put", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("patch", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("delete", path, **kwargs)


def api_as(user: User | None = None) -> InProcessApi:
    return InProcessApi(token_for(user))


# Sessions to hang up after the test: the live server's thread for a kept-alive
# connection holds its database connection until the client hangs up, which could
# outlast the test database (DROP DATABASE fails while it is connected).
OPEN_SESSIONS: list["ApiSession"] = []


class ApiSession(requests.Session):
    """A requests session whose paths are relative to the live server."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url
        OPEN_SESSIONS.append(self)
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        path = url.decode() if isinstance(url, bytes) else url
        return super().request(method, self.base_url + path, *args, **kwargs)


def api_for(live_server: LiveServer, user: User | None = None) -> ApiSession:
    return ApiSession(live_server.url, token_for(user))


def fetch_all(api: InProcessApi | ApiSession, path: str) -> list[dict[str, Any]]:
    """Follow the cursor to the end, collecting every row."""
    rows: list[dict[str, Any]] = []
    url = path
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["results"]
        url = body["next"] and body["next"].removeprefix(api.base_url)
    return rows


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counts live in the cache; each test starts from zero. Afterwards the
    test's HTTP sessions hang up."""
    cache.clear()
    yield
    cache.clear()
    while OPEN_SESSIONS:
        OPEN_SESSIONS.pop().close()


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
