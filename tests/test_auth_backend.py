"""config.auth.ModelBackend: Django's permissions, read in one query."""

import importlib

import pytest
from django.conf import settings
from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from claims.roles import ANNOTATOR, REVIEWER
from config.auth import ModelBackend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user read again, with no permission cached on it."""
    return User.objects.get(pk=user.pk)


def users() -> list[User]:
    both = make_user("both", ANNOTATOR)
    both.groups.add(Group.objects.get(name=REVIEWER))
    both.user_permissions.add(Permission.objects.get(codename="add_project"))
    own = make_user("own")
    own.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return [
        make_user("annotator", ANNOTATOR),
        make_user("nobody"),
        both,
        own,
        make_user("root", is_superuser=True),
        make_user("left", REVIEWER, is_active=False),
    ]


def test_it_grants_what_djangos_backend_grants():
    for user in users():
        expected = backends.ModelBackend().get_all_permissions(fresh(user))
        assert ModelBackend().get_all_permissions(fresh(user)) == expected, user.username
    assert ModelBackend().get_all_permissions(AnonymousUser()) == set()


def test_it_reads_her_own_and_her_groups_permissions_in_one_query(
    django_assert_num_queries,
):
    user = users()[2]  # a permission of her own, and two groups'
    user = fresh(user)
    with django_assert_num_queries(1):
        assert user.has_perm("projects.add_project")  # her own
        assert user.has_perm("claims.change_claim")  # a group's
        assert not user.has_perm("auth.delete_user")


def test_a_session_signed_in_under_djangos_backend_stays_signed_in(client):
    """claims 0025 names config.auth.ModelBackend in the sessions that named Django's."""
    from django.apps import apps
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    migration = importlib.import_module("claims.migrations.0025_sessions_keep_their_login")
    user = make_user("annotator", ANNOTATOR)
    client.force_login(user, backend=migration.OUR_BACKEND)
    session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    session[BACKEND_SESSION_KEY] = migration.DJANGO_BACKEND  # as signed in before
    session.save()
    assert client.get("/admin/").status_code == 302  # logged out: sent to the login page
    migration.move_sessions(migration.DJANGO_BACKEND, migration.OUR_BACKEND)(apps, None)
    assert client.get("/admin/").status_code == 200
    assert (
        SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == "config.auth.ModelBackend"
    )
