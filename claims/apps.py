from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims and targets")

    def ready(self) -> None:
        from claims.roles import ensure_role_groups

        # After claims' own permissions exist (they are created by an earlier
        # post_migrate receiver for this same app).
        post_migrate.connect(ensure_role_groups, sender=self)
