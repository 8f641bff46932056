from django.urls import path

from escrow import views_analysis as views

urlpatterns = [
    path("ops/escrow-analysis/", views.batch_page, name="escrow-batches"),
    path("ops/escrow-analysis/<int:job_id>/", views.batch_detail, name="escrow-batch-detail"),
    path(
        "ops/escrow-analysis/<int:job_id>/fetch/",
        views.batch_fetch_report,
        name="escrow-batch-fetch",
    ),
    path(
        "ops/escrow-analysis/<int:job_id>/resume/",
        views.batch_resume,
        name="escrow-batch-resume",
    ),
    path(
        "ops/escrow-analysis/reports/<int:report_id>/",
        views.report_download,
        name="escrow-report-download",
    ),
    path(
        "loans/<str:loan_number>/escrow/analysis/",
        views.loan_analysis,
        name="escrow-loan-analysis",
    ),
]
