"""The Celery application: loaded by the app config, so importing servicing stays light."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicing.settings.base")

app = Celery("servicing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
