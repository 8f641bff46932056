from django.urls import path

from servicing.api import views

urlpatterns = [
    path("jobs/<int:job_id>", views.JobRunDetailApi.as_view(), name="api-job-detail"),
    path("business-date", views.BusinessDateApi.as_view(), name="api-business-date"),
]
