from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "frivalg.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from frivalg.core.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self)
