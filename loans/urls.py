from django.urls import path

from loans import views, views_actions, views_documents, views_indexes, views_loc

LOAN = "loans/<str:loan_number>"
DRAW = f"{LOAN}/draws/<int:draw_id>"

urlpatterns = [
    path("loans/", views.loan_search, name="loan-search"),
    path("loans/calculator/", views.calculator, name="calculator"),
    path(f"{LOAN}/", views.loan_detail, name="loan-detail"),
    path(f"{LOAN}/payment/", views_actions.payment_create, name="payment-create"),
    path(f"{LOAN}/fee/", views_actions.fee_create, name="fee-create"),
    path(f"{LOAN}/waive/", views_actions.fee_waive, name="fee-waive"),
    path(f"{LOAN}/payoff/", views_actions.payoff, name="payoff"),
    path(f"{LOAN}/note/", views_actions.note_create, name="note-create"),
    path(f"{LOAN}/non-accrual/", views_actions.non_accrual, name="non-accrual"),
    path(
        f"{LOAN}/transactions/<int:entry_id>/reverse/",
        views_actions.payment_reverse,
        name="payment-reverse",
    ),
    path(f"{LOAN}/draws/new/", views_loc.draw_initiate, name="draw-initiate"),
    path(f"{LOAN}/draws/<str:action>/", views_loc.draw_pick, name="draw-pick"),
    path(f"{DRAW}/approve/", views_loc.draw_approve, name="draw-approve"),
    path(f"{DRAW}/reject/", views_loc.draw_reject, name="draw-reject"),
    path(f"{DRAW}/delete/", views_loc.draw_delete, name="draw-delete"),
    path(f"{DRAW}/fund/", views_loc.draw_fund, name="draw-fund"),
    path(f"{LOAN}/line/<str:action>/", views_loc.line_status, name="line-status"),
    path(
        f"{LOAN}/documents/<int:document_id>/",
        views_documents.document_download,
        name="loan-document",
    ),
    path(f"{LOAN}/schedule.<str:fmt>", views.schedule_download, name="schedule-download"),
    path(f"{LOAN}/<str:tab>/", views.loan_detail, name="loan-tab"),
    path("borrowers/", views.borrower_search, name="borrower-search"),
    path("borrowers/<str:borrower_id>/", views.borrower_detail, name="borrower-detail"),
    path("ops/indexes/", views_indexes.index_list, name="index-list"),
    path("ops/indexes/<str:code>/", views_indexes.index_detail, name="index-detail"),
]
