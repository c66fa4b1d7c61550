from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitingListsConfig(AppConfig):
    name = "frivalg.waitinglists"
    label = "waitinglists"
    verbose_name = _("Waiting lists")
