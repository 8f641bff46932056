"""Root URLs. Apps above the kernel are included by dotted path (no upward import)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from servicing import views
from servicing.api.views import ApiNotFound

api_v1 = [
    path("", include("servicing.api.urls")),
    path("", include("loans.api.urls")),
    path("", include("escrow.api.urls")),
    path("", include("escrow.api.analysis_urls")),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("activity/", views.activity_list, name="activity"),
    path("ops/jobs/", views.job_list, name="job-list"),
    path("ops/jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    path("ops/close-of-business/", views.close_of_business_page, name="close-of-business"),
    path("ops/business-date/", views.business_date_page, name="business-date"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("escrow.analysis_urls")),
    path("", include("escrow.urls")),
    path("", include("loans.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/v1/", ApiNotFound.as_view()),  # JSON 404, never Django's HTML page
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        login_not_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
