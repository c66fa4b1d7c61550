from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangeRequestsConfig(AppConfig):
    name = "frivalg.changerequests"
    label = "changerequests"
    verbose_name = _("Change requests and provider messages")
