from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReassessmentsConfig(AppConfig):
    name = "frivalg.reassessments"
    label = "reassessments"
    verbose_name = _("Reassessments")
