from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChoicesConfig(AppConfig):
    name = "frivalg.choices"
    label = "choices"
    verbose_name = _("Choices")
