"""The officers' work queue; included in the `permits` namespace."""

from django.urls import path

from permits import queue_views

urlpatterns = [
    path("officer/queue/", queue_views.queue, name="queue"),
    path("officer/queue.csv", queue_views.queue_csv, name="queue_csv"),
    path("officer/cases/<uuid:uuid>/assign/", queue_views.assign, name="assign"),
]
