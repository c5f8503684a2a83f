"""Celery application. Redis is the broker (REDIS_URL); with no broker configured tasks run inline."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vtjportal.settings")

app = Celery("vtjportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # every app's tasks.py
