"""config.auth.ModelBackend: Django's permissions, read in one query."""

import pytest
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
