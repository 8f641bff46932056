from django.apps import AppConfig


class CreditReportingConfig(AppConfig):
    name = "credit_reporting"
    verbose_name = "Credit reporting"
