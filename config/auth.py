"""Django's model permissions, read in one query.

Every API request that checks a role (config.api.RolePermission) and every admin page
asks for the user's permissions once (an active superuser's are not asked for). Django's
ModelBackend reads her own and her groups' permissions in two queries; this reads both
in one, a round trip less.
"""

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db.models import Model, Q


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
    """The permissions `user` holds, by herself or through a group, as app_label.codename."""
    permissions = Permission.objects.all()
    if not user.is_superuser:
        own = User.user_permissions.through.objects.filter(user=user.pk)
        grouped = Group.permissions.through.objects.filter(group__user=user.pk)
        permissions = permissions.filter(
            Q(pk__in=own.values("permission")) | Q(pk__in=grouped.values("permission"))
        )
    names = permissions.values_list("content_type__app_label", "codename").order_by()
    return {f"{app_label}.{codename}" for app_label, codename in names}
