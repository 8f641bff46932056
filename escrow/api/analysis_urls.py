from django.urls import path

from escrow.api import analysis

urlpatterns = [
    path(
        "loans/<str:loan_number>/escrow-analysis",
        analysis.LoanEscrowAnalysisApi.as_view(),
        name="api-loan-escrow-analysis",
    ),
    path(
        "escrow-analysis/batches",
        analysis.EscrowAnalysisBatchApi.as_view(),
        name="api-escrow-analysis-batches",
    ),
]
