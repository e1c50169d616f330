"""The Celery app. Periodic jobs live in settings.CELERY_BEAT_SCHEDULE, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")

app = Celery("wms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
