from django.urls import path

from escrow.api import views

LOAN = "loans/<str:loan_number>"
ACCOUNT = f"{LOAN}/escrow-accounts/<int:account_id>"

urlpatterns = [
    path(f"{LOAN}/escrow-accounts", views.EscrowAccountsApi.as_view(), name="api-escrow-accounts"),
    path(
        f"{ACCOUNT}/transactions",
        views.EscrowTransactionsApi.as_view(),
        name="api-escrow-transactions",
    ),
    path(f"{ACCOUNT}/withdrawals", views.EscrowWithdrawalApi.as_view(), name="api-escrow-withdraw"),
    path(f"{ACCOUNT}/assessments", views.EscrowAssessmentApi.as_view(), name="api-escrow-assess"),
    path(
        f"{ACCOUNT}/replenishments",
        views.EscrowReplenishmentApi.as_view(),
        name="api-escrow-replenish",
    ),
    path(
        f"{LOAN}/escrow-transactions/<int:entry_id>/reverse",
        views.EscrowReverseApi.as_view(),
        name="api-escrow-reverse",
    ),
]
