from django.urls import path

from frivalg.tenders import views

app_name = "tenders"

urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/", views.tender_create, name="create"),
    path("<uuid:public_id>/", views.tender_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.tender_edit, name="edit"),
    path("<uuid:public_id>/preview/", views.tender_preview, name="preview"),
    path("<uuid:public_id>/publish/", views.tender_publish, name="publish"),
    path("<uuid:public_id>/open/", views.tender_open, name="open"),
    path("<uuid:public_id>/ocds.json", views.ocds_release, name="ocds_release"),
    path("<uuid:public_id>/ocds-record.json", views.ocds_record, name="ocds_record"),
    path("<uuid:public_id>/lots/new/", views.lot_edit, name="lot_new"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/", views.lot_edit, name="lot"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/remove/", views.lot_remove, name="lot_remove"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/bid/", views.bid_edit, name="bid_edit"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/control-bid/", views.control_bid_prepare, name="control_bid"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/evaluation/", views.lot_evaluation, name="evaluation"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/award/", views.lot_award, name="award"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/letter/", views.award_letter, name="letter"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/letter.pdf", views.award_letter_pdf, name="letter_pdf"),
    path("<uuid:public_id>/lots/<uuid:lot_id>/contract/", views.contract_sign, name="contract_sign"),
    path("<uuid:public_id>/criteria/new/", views.criterion_edit, name="criterion_new"),
    path("<uuid:public_id>/criteria/<str:code>/", views.criterion_edit, name="criterion"),
    path("<uuid:public_id>/criteria/<str:code>/remove/", views.criterion_remove, name="criterion_remove"),
    path("<uuid:public_id>/questions/new/", views.question_ask, name="ask"),
    path("<uuid:public_id>/questions/<uuid:question_id>/answer/", views.question_answer, name="answer"),
    path("bids/<uuid:public_id>/", views.bid_detail, name="bid"),
    path("bids/<uuid:public_id>/submit/", views.bid_submit, name="bid_submit"),
    path("bids/<uuid:public_id>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("bids/<uuid:public_id>/document/", views.bid_document, name="bid_document"),
    path("bids/<uuid:public_id>/grade/", views.bid_grade, name="grade"),
]
