from django.urls import path

from frivalg.pricing import views

app_name = "pricing"

urlpatterns = [
    path("", views.cost_models, name="cost_models"),
    path("models/<uuid:public_id>/", views.cost_model_detail, name="cost_model"),
    path("models/<uuid:public_id>/publish/", views.cost_model_publish, name="publish"),
    path("after-calculations/", views.after_calculations, name="after_calculations"),
    path("after-calculations/<uuid:public_id>/", views.after_calculation_detail, name="after_calculation"),
    path("sheets/", views.sheets, name="sheets"),
    path("compare/", views.comparison, name="comparison"),
    path("sheets/<uuid:public_id>/", views.sheet_detail, name="sheet"),
    path("sheets/<uuid:public_id>/json/", views.sheet_json, name="sheet_json"),
    path("sheets/<uuid:public_id>/pdf/", views.sheet_pdf_download, name="sheet_pdf"),
]
