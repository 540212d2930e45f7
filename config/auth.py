"""Django's model permissions, read in one query.

Every API request that checks a role (config.api.RolePermission) and every admin page
asks for the user's permissions once (an active superuser's are not asked for). Django's
ModelBackend reads her own and her groups' permissions in two queries; this reads both
in one, a round trip less. And the username django-axes counts failed logins under.
"""

from functools import cache
from typing import Any

from axes.conf import settings as axes_settings
from django.contrib.auth import backends
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.http import HttpRequest

from config.sql import table


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(
        self, user_obj: AbstractBaseUser | AnonymousUser, obj: Model | None = None
    ) -> set[str]:
        """As Django's ModelBackend: an active user's own and her groups' permissions
        (every permission for a superuser), cached on the user for the request."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached: set[str] | None = getattr(user_obj, "_perm_cache", None)
        if cached is None:
            cached = permission_names(user_obj)
            user_obj._perm_cache = cached  # type: ignore[attr-defined]
        return cached


def permission_names(user: Any) -> set[str]:
    """The permissions `user` holds, by herself or through a group, as app_label.codename.

    A statement of constant text (one for admins, one for the others), not a queryset:
    compiling the queryset was most of the Python an API request spent on its
    permissions (bench/README.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(permission_statement(user.is_superuser), {"user": user.pk})
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}


@cache
def permission_statement(superuser: bool) -> str:
    """permission_names' statement, built once: every permission for an admin."""
    held = (
        ""
        if superuser
        else (
            " WHERE permission.id IN (SELECT permission_id"  # noqa: S608 (names from the models)
            f" FROM {table(User.user_permissions.through)} WHERE user_id = %(user)s"
            f" UNION ALL SELECT grouped.permission_id FROM {table(Group.permissions.through)}"
            f" AS grouped JOIN {table(User.groups.through)} AS membership"
            " ON membership.group_id = grouped.group_id WHERE membership.user_id = %(user)s)"
        )
    )
    return (
        f"SELECT app.app_label, permission.codename FROM {table(Permission)} AS permission"  # noqa: S608
        f" JOIN {table(ContentType)} AS app ON app.id = permission.content_type_id{held}"
    )


# django-axes keeps failed logins by username in a column of 255 characters.
AXES_USERNAME_LENGTH = 255


def failed_login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username django-axes counts a login under (AXES_USERNAME_CALLABLE), as it
    would read it, cut to its column: a longer one, which no account has, made its
    write of the failure a 500 for anyone, signed in or not."""
    data = credentials or getattr(request, "data", request.POST)
    username = data.get(axes_settings.AXES_USERNAME_FORM_FIELD)
    return None if username is None else str(username)[:AXES_USERNAME_LENGTH]
