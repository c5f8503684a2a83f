"""Settings of the Celery workers that the reliability tests start as subprocesses; used nowhere else.

The portal's settings, with mail written to the test's mailbox directory and short timings so that a
killed worker's message comes back within seconds rather than after an hour.
"""

import os

from vtjportal.settings import *  # noqa: F403
from vtjportal.settings import CELERY_BROKER_TRANSPORT_OPTIONS

EMAIL_BACKEND = "tests.notifications.mailbox.DirectoryBackend"
TEST_MAILBOX_DIR = os.environ["TEST_MAILBOX_DIR"]
TEST_MAIL_DELAY_SECONDS = 0.3
# A claim left by a killed worker expires after this; production uses 300 s.
NOTIFICATION_LEASE_SECONDS = 3
# An unacknowledged message goes back to the queue this long after a worker took it (production: 1 hour),
# checked every second.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
