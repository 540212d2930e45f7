"""`manage.py load_demo`: the corpus into an empty database, logins, never a reload."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import Claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_it_loads_the_corpus_and_prints_working_logins(var_dir, client):
    output = load_demo()
    assert Document.objects.count() == 7
    lines = (var_dir / "demo-logins.txt").read_text().splitlines()
    logins = dict(line.split(" ") for line in lines[:-1])
    assert set(logins) == {"admin", "annotator", "reviewer", "analyst"}
    for username, password in logins.items():
        assert password in output
        # django-axes counts logins per request, so the login gets one.
        assert client.login(request=HttpRequest(), username=username, password=password)
    assert User.objects.get(username="annotator").groups.filter(name="annotator").exists()
    analyst = User.objects.get(username="analyst")
    assert list(analyst.groups.values_list("name", flat=True)) == ["api_reader"]
    assert not analyst.is_staff
    token = lines[-1].removeprefix("TOKEN=")
    assert token == Token.objects.get(user=analyst).key
    assert f"API token of analyst: {token}" in output


def test_the_analysts_token_reads_the_api_and_stays_the_same(var_dir):
    token = load_demo().split("API token of analyst: ")[1].split()[0]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/claims/").status_code == 200
    assert api.post("/api/v1/topics/", {"name": "x"}).status_code == 403
    assert f"API token of analyst: {token}" in load_demo()


def test_running_it_again_keeps_everyones_work(var_dir):
    load_demo()
    claim = Claim.objects.first()
    assert claim is not None
    claim.note = "edited by a person"
    claim.save()
    output = load_demo()
    assert "not reloaded" in output
    claim.refresh_from_db()
    assert claim.note == "edited by a person"
