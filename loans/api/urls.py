from django.urls import path

from loans.api import actions, borrowers, config, draws, indexes, views

LOAN = "loans/<str:loan_number>"
DRAW = f"{LOAN}/draws/<int:draw_id>"

urlpatterns = [
    path("loans/onboard", views.LoanOnboardApi.as_view(), name="api-loan-onboard"),
    path("products", config.ProductListApi.as_view(), name="api-products"),
    path("investors", config.InvestorListApi.as_view(), name="api-investors"),
    path("schedules/preview", views.SchedulePreviewApi.as_view(), name="api-schedule-preview"),
    path(LOAN, views.LoanDetailApi.as_view(), name="api-loan-detail"),
    path(f"{LOAN}/schedule", views.LoanScheduleApi.as_view(), name="api-loan-schedule"),
    path(f"{LOAN}/transactions", views.LoanTransactionsApi.as_view(), name="api-loan-transactions"),
    path(f"{LOAN}/activity", views.LoanActivityApi.as_view(), name="api-loan-activity"),
    path(f"{LOAN}/payoff", actions.LoanPayoffApi.as_view(), name="api-loan-payoff"),
    path(f"{LOAN}/payments", actions.LoanPaymentApi.as_view(), name="api-loan-payments"),
    path(
        f"{LOAN}/payments/<int:entry_id>/reverse",
        actions.PaymentReverseApi.as_view(),
        name="api-payment-reverse",
    ),
    path(f"{LOAN}/fees", actions.LoanFeeApi.as_view(), name="api-loan-fees"),
    path(f"{LOAN}/draws", draws.LoanDrawsApi.as_view(), name="api-loan-draws"),
    path(DRAW, draws.DrawDetailApi.as_view(), name="api-draw-detail"),
    path(f"{DRAW}/approve", draws.DrawApproveApi.as_view(), name="api-draw-approve"),
    path(f"{DRAW}/reject", draws.DrawRejectApi.as_view(), name="api-draw-reject"),
    path(f"{DRAW}/fund", draws.DrawFundApi.as_view(), name="api-draw-fund"),
    path(f"{LOAN}/loc", draws.LineApi.as_view(), name="api-loan-line"),
    path(f"{LOAN}/loc/suspend", draws.LineSuspendApi.as_view(), name="api-line-suspend"),
    path(f"{LOAN}/loc/activate", draws.LineActivateApi.as_view(), name="api-line-activate"),
    path(f"{LOAN}/loc/cancel", draws.LineCancelApi.as_view(), name="api-line-cancel"),
    path("borrowers", borrowers.BorrowerSearchApi.as_view(), name="api-borrower-search"),
    path(
        "borrowers/<str:borrower_id>",
        borrowers.BorrowerDetailApi.as_view(),
        name="api-borrower-detail",
    ),
    path("indexes", indexes.IndexListApi.as_view(), name="api-index-list"),
    path("indexes/<str:code>", indexes.IndexDetailApi.as_view(), name="api-index-detail"),
    path(
        "indexes/<str:code>/values",
        indexes.IndexValueCreateApi.as_view(),
        name="api-index-values",
    ),
]
