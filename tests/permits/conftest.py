import io
import re

import pytest
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of a PDF with all whitespace removed, so that line breaks do not split what is searched."""
    reader = PdfReader(io.BytesIO(data))
    return squash(" ".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def no_follow_ups(monkeypatch):
    """Skip the receipt PDF and emails that a submission queues (for tests of the submission itself)."""
    queued = []
    monkeypatch.setattr(
        "permits.services.submission.enqueue", lambda task, *args, **kwargs: queued.append(task)
    )
    return queued
