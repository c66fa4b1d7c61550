from django.contrib import admin
from django.urls import include, path

from frivalg.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("citizens/", include("frivalg.assessments.urls")),
    path("my/", include("frivalg.choices.urls")),
    path("visits/", include("frivalg.visits.urls")),
    path("providers/", include("frivalg.providers.urls")),
    path("rates/", include("frivalg.catalogue.urls")),
    path("settlements/", include("frivalg.settlements.urls")),
    path("followup/", include("frivalg.followup.urls")),
    path("pricing/", include("frivalg.pricing.urls")),
    path("waiting-lists/", include("frivalg.waitinglists.urls")),
    path("reassessments/", include("frivalg.reassessments.urls")),
    path("change-requests/", include("frivalg.changerequests.urls")),
    path("guidelines/", include("frivalg.guidelines.urls")),
    path("meals/", include("frivalg.meals.urls")),
    path("tenders/", include("frivalg.tenders.urls")),
    path("", include("frivalg.core.urls")),
]
