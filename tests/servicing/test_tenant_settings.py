import datetime as dt

from servicing.models import TenantSettings
from servicing.tenant import get_tenant_settings


def test_defaults_are_sensible(db):
    tenant = get_tenant_settings()
    assert tenant.payment_cutoff_time == dt.time(17, 0)
    assert tenant.payment_processing_days == 2
    assert tenant.backdated_index_window_days == 30
    assert tenant.default_cushion_months == 2
    assert tenant.outbound_file_folder and "@" in tenant.report_email
    assert get_tenant_settings().pk == tenant.pk == 1
    assert TenantSettings.objects.count() == 1


def test_admin_edits_tenant_settings(client, admin_user_role):
    get_tenant_settings()
    client.force_login(admin_user_role)
    response = client.post(
        "/admin/servicing/tenantsettings/1/change/",
        {
            "payment_cutoff_time": "16:30",
            "payment_processing_days": "3",
            "backdated_index_window_days": "45",
            "outbound_file_folder": "/srv/outbound",
            "report_email": "ops@lender.example",
            "default_cushion_months": "1",
        },
    )
    assert response.status_code == 302, response.content
    tenant = get_tenant_settings()
    assert tenant.payment_cutoff_time == dt.time(16, 30)
    assert tenant.default_cushion_months == 1


def test_cushion_above_respa_maximum_is_refused(client, admin_user_role):
    get_tenant_settings()
    client.force_login(admin_user_role)
    response = client.post(
        "/admin/servicing/tenantsettings/1/change/",
        {
            "payment_cutoff_time": "17:00",
            "payment_processing_days": "2",
            "backdated_index_window_days": "30",
            "outbound_file_folder": "x",
            "report_email": "ops@lender.example",
            "default_cushion_months": "3",
        },
    )
    assert response.status_code == 200
    assert get_tenant_settings().default_cushion_months == 2
