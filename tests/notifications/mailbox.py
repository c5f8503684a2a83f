"""Test-only email backends: a mailbox directory that several processes can write to, and a broken server.

`DirectoryBackend` writes every message to its own file in settings.TEST_MAILBOX_DIR, so a test can count
what workers in other processes sent. While a file named `stall` is in that directory, it first writes
`sending` (holding its process id) and waits, so that a test can kill the worker in the middle of a send.
"""

import os
import smtplib
import time
import uuid
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

STALL = "stall"
SENDING = "sending"
STALL_SECONDS = 60


class DirectoryBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(settings.TEST_MAILBOX_DIR)
        for email_message in email_messages:
            if (directory / STALL).exists():
                (directory / SENDING).write_text(str(os.getpid()))
                deadline = time.monotonic() + STALL_SECONDS
                while (directory / STALL).exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
            # A real mail server takes a moment; long enough for concurrent sends to overlap.
            time.sleep(getattr(settings, "TEST_MAIL_DELAY_SECONDS", 0))
            name = uuid.uuid4().hex
            partial = directory / f"{name}.part"
            partial.write_bytes(email_message.message().as_bytes())
            partial.replace(directory / f"{name}.eml")
        return len(email_messages)


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def delivered(directory: Path) -> list[Message]:
    """Every message the DirectoryBackend wrote to `directory`, oldest first."""
    files = sorted(directory.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes()) for path in files]


def delivered_keys(directory: Path) -> list[str]:
    return [message["X-VTJ-Idempotency-Key"] for message in delivered(directory)]
