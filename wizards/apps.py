from django.apps import AppConfig


class WizardsConfig(AppConfig):
    name = "wizards"
    verbose_name = "Process wizards"
