"""`manage.py load_demo`: the corpus into an empty database, logins, never a reload."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

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
    logins = dict(
        line.split(" ") for line in (var_dir / "demo-logins.txt").read_text().split("\n") if line
    )
    assert set(logins) == {"admin", "annotator", "reviewer"}
    for username, password in logins.items():
        assert password in output
        assert client.login(username=username, password=password)
    assert User.objects.get(username="annotator").groups.filter(name="annotator").exists()


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
