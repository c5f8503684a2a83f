import pytest

from permits import pdf
from permits.models import DocumentKind, PermitDocument
from permits.pdf import PDF_ORIGIN, StaticOnlyURLFetcher, URLRefused, receipt_create
from tests.factories import ApplicationFactory, PermitFactory
from tests.permits.conftest import pdf_text, squash


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://example.com/style.css",
        "https://example.com/style.css",
        "http://127.0.0.1:8000/static/css/pdf.css",
        "ftp://example.com/x",
        f"{PDF_ORIGIN}/etc/passwd",
        f"{PDF_ORIGIN}/media/documents/x.pdf",
        f"{PDF_ORIGIN}/static/../../../../etc/passwd",
        f"{PDF_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
        f"{PDF_ORIGIN}/static//etc/passwd",
        f"{PDF_ORIGIN}/static/css/missing.css",
        f"{PDF_ORIGIN}.evil.test/static/css/pdf.css",
        f"{PDF_ORIGIN}:8443/static/css/pdf.css",
        "http://portal.invalid/static/css/pdf.css",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(URLRefused):
        StaticOnlyURLFetcher().fetch(url)


def test_fetcher_serves_our_static_files_and_data_urls():
    fetcher = StaticOnlyURLFetcher()
    css = fetcher.fetch(f"{PDF_ORIGIN}/static/css/pdf.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,SGVsbG8=").read() == b"Hello"


class RecordingFetcher(StaticOnlyURLFetcher):
    """Remembers what WeasyPrint asked for and which requests it served."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        response = super().fetch(url, headers)
        self.served.append(url)
        return response


@pytest.fixture
def fetcher(monkeypatch):
    recording = RecordingFetcher()
    monkeypatch.setattr(pdf, "StaticOnlyURLFetcher", lambda: recording)
    return recording


def test_user_text_is_escaped_in_the_pdf(db, fetcher):
    hostile = '<script>alert(1)</script><img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.com/x.css">'
    application = ApplicationFactory(complete=True, status="submitted")
    application.purpose_description = hostile
    application.save()
    permit = PermitFactory(application=application)

    document = receipt_create(permit, "en")

    text = pdf_text(document.file.read())
    # Shown as the text it is, and never fetched.
    assert squash(hostile) in text
    assert fetcher.asked == [f"{PDF_ORIGIN}/static/css/pdf.css"]
    assert fetcher.served == fetcher.asked


def test_receipt_is_stored_once_per_version(db):
    permit = PermitFactory()
    first = receipt_create(permit, "fi")
    again = receipt_create(permit, "sv")
    assert again == first
    assert PermitDocument.objects.filter(permit=permit, kind=DocumentKind.RECEIPT).count() == 1
    # Stored under a random name, not under anything the applicant chose.
    assert first.file.name.startswith("documents/")
    assert permit.reference.replace("/", "") not in first.file.name.replace("/", "")


@pytest.mark.parametrize(
    ("language", "agency"),
    [
        ("fi", "Digi- ja väestötietovirasto"),
        ("sv", "Myndigheten för digitalisering och befolkningsdata"),
        ("en", "Digital and Population Data Services Agency"),
    ],
)
def test_receipt_speaks_each_language(db, language, agency):
    permit = PermitFactory()
    text = pdf_text(receipt_create(permit, language).file.read())
    assert squash(agency) in text
    assert permit.reference in text
