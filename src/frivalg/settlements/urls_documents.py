"""The statement, invoice, accounting export, disputes and co-payment bills (views_documents),
included by settlements/urls.py in the `settlements` namespace."""

from django.urls import path

from frivalg.settlements import views_documents as views

urlpatterns = [
    path("<uuid:public_id>/statement/", views.statement, name="statement"),
    path("<uuid:public_id>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("<uuid:public_id>/statement.csv", views.statement_csv, name="statement_csv"),
    path("<uuid:public_id>/invoice.xml", views.invoice_xml, name="invoice_xml"),
    path("<uuid:public_id>/accounting.csv", views.accounting_csv, name="accounting_csv"),
    path("lines/<uuid:line_id>/dispute/", views.line_dispute, name="line_dispute"),
    path("disputes/<uuid:public_id>/resolve/", views.dispute_resolve, name="dispute_resolve"),
    path("bills/", views.bills, name="bills"),
    path("bills/<uuid:public_id>/", views.bill, name="bill"),
    path("bills/<uuid:public_id>/pdf/", views.bill_pdf, name="bill_pdf"),
]
