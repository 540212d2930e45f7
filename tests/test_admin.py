"""Every add and change page of the admin renders for staff on the demo corpus, with a
bounded number of queries. Changelists take an exact number: tests/test_query_counts.py."""

import pytest
from django.contrib import admin
from django.urls import reverse

from claims.models import TargetRevision, TargetStatement

pytestmark = pytest.mark.django_db

MODELS = [
    model for model in admin.site._registry if model._meta.app_label in ("annotations", "claims")
]
MAX_FORM_QUERIES = 40


@pytest.fixture(scope="module")
def demo_with_a_revision(demo_corpus, django_db_blocker):
    """The corpus never changes a target's figure; record one revision so its page renders."""
    with django_db_blocker.unblock():
        if not TargetRevision.objects.exists():
            statement = TargetStatement.objects.filter(target__isnull=False).first()
            assert statement is not None
            assert statement.target is not None
            TargetRevision.objects.create(
                target=statement.target,
                claim=statement.claim,
                revised_on=statement.target.created_at.date(),
                changes={"value": ["34", "35"]},
            )


@pytest.fixture
def demo(demo_with_a_revision, db) -> None:
    """The demo corpus and a revision, rolled back after the module."""


@pytest.fixture
def ada(demo):
    """The demo's superuser (the fixture owns pk 1, so no second admin is made)."""
    from django.contrib.auth.models import User

    return User.objects.get(username="admin")


def url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_add_page_renders(client, ada, demo, model, django_assert_max_num_queries):
    client.force_login(ada)
    with django_assert_max_num_queries(MAX_FORM_QUERIES):
        response = client.get(url(model, "add"))
    assert response.status_code in (200, 403)  # 403 only where adding is not offered


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_change_page_renders(client, ada, demo, model, django_assert_max_num_queries):
    instance = model.objects.order_by("pk").first()
    assert instance is not None, f"the demo data has no {model._meta.label}"
    client.force_login(ada)
    with django_assert_max_num_queries(MAX_FORM_QUERIES):
        response = client.get(url(model, "change", instance.pk))
    assert response.status_code == 200


def test_a_user_without_a_role_sees_nothing(client, demo, db):
    from tests.conftest import make_user

    mallory = make_user("mallory")
    client.force_login(mallory)
    from claims.models import Claim

    assert client.get(url(Claim, "changelist")).status_code == 403


def test_admin_escapes_quotes_and_names(client, ada):
    from claims.models import Speaker

    Speaker.objects.create(name="<script>alert(1)</script>")
    client.force_login(ada)
    response = client.get(url(Speaker, "changelist"))
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
