"""`manage.py load_demo`: the corpus into an empty database, logins, never a reload."""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from django.test import override_settings
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import Claim
from projects.models import Project, ProjectDocument
from tests.conftest import built_once

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@dataclass
class Loaded:
    output: str  # what the first run printed
    var_dir: Path  # where it wrote the logins


@pytest.fixture(scope="module")
def demo_loaded(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Loaded]:
    """One `load_demo` into the empty database, for every test of the module (each test
    rolls back what it does after, runs included)."""
    var_dir = tmp_path_factory.mktemp("var")
    with override_settings(VAR_DIR=var_dir), built_once(django_db_blocker):
        yield Loaded(load_demo(), var_dir)


@pytest.fixture
def loaded(demo_loaded: Loaded, db: None) -> Loaded:
    return demo_loaded


def test_it_loads_the_corpus_and_prints_working_logins(loaded, client):
    output = loaded.output
    assert Document.objects.count() == 7
    lines = (loaded.var_dir / "demo-logins.txt").read_text().splitlines()
    logins = dict(line.split(" ") for line in lines[:-1])
    assert set(logins) == {
        "admin",
        "annotator",
        "reviewer",
        "analyst",
        "coder1",
        "coder2",
        "curator",
    }
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


def test_the_analysts_token_reads_the_api_and_stays_the_same(loaded):
    token = loaded.output.split("API token of analyst: ")[1].split()[0]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/claims/").status_code == 200
    assert api.post("/api/v1/topics/", {"name": "x"}).status_code == 403
    assert f"API token of analyst: {token}" in load_demo()


def test_running_it_again_keeps_everyones_work(loaded):
    claim = Claim.objects.first()
    assert claim is not None
    claim.note = "edited by a person"
    claim.save()
    output = load_demo()
    assert "not reloaded" in output
    claim.refresh_from_db()
    assert claim.note == "edited by a person"


def test_it_loads_a_study_whose_coders_see_each_other_only_in_the_curated_document(loaded):
    study = Project.objects.get(independent=True)
    coder1, coder2 = User.objects.get(username="coder1"), User.objects.get(username="coder2")
    in_study = Claim.objects.filter(project=study, gold=False)
    theirs = in_study.filter(annotator=coder2)
    seen = set(Claim.objects.visible_to(coder1).filter(project=study).values_list("pk", flat=True))
    curated = ProjectDocument.objects.get(project=study, curation_state="curated").document_id
    assert {c.pk for c in theirs if c.document_id == curated} <= seen
    assert not {c.pk for c in theirs if c.document_id != curated} & seen
    # They agree on some claims and differ on others, in span, type and stance.
    pairs: dict[tuple[int, int], dict[int, Claim]] = {}
    for claim in in_study:
        pairs.setdefault((claim.document_id, claim.start), {})[claim.annotator_id] = claim
    differences = set()
    for pair in pairs.values():
        first, second = pair[coder1.pk], pair[coder2.pk]
        for field in ("end", "claim_type", "stance"):
            if getattr(first, field) != getattr(second, field):
                differences.add(field)
        if (first.end, first.claim_type, first.stance) == (
            second.end,
            second.claim_type,
            second.stance,
        ):
            differences.add("agree")
    assert differences == {"end", "claim_type", "stance", "agree"}
    gold = Claim.objects.filter(project=study, gold=True)
    assert {g.document_id for g in gold} == {curated}
    assert all(g.curated_from.count() == 2 for g in gold)
