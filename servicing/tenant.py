"""Tenant settings: one row, created with defaults on first read."""

from servicing.models import TenantSettings


def get_tenant_settings() -> TenantSettings:
    settings_row, _ = TenantSettings.objects.get_or_create(pk=1)
    return settings_row
