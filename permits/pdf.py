"""PDFs of cases, rendered by WeasyPrint from our own templates only.

WeasyPrint would fetch any URL a document names (file:, http:, following redirects). Ours get a fetcher
that serves only our static files and data: URLs, so that nothing in a template or in user text can
make the renderer read the server's files or reach the network.
"""

import hashlib
import logging
import mimetypes
import posixpath
import secrets
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from applications.summary import build_summary
from permits.deadlines import HELSINKI
from permits.models import DocumentKind, Permit, PermitDocument

# WeasyPrint logs each layout step at INFO (three lines on import alone); its warnings still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
import weasyprint  # noqa: E402  (after the logger is quietened)
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

# Relative URLs in a PDF template resolve against this origin. `.invalid` can never exist (RFC 2606),
# so the only way to load anything from it is the fetcher's mapping of STATIC_URL to our static files.
PDF_ORIGIN = "https://portal.invalid"


class URLRefused(ValueError):
    """The PDF fetcher does not load this URL."""


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that serves our static files and data: URLs and refuses the rest."""

    def __init__(self) -> None:
        # The parent opens only data: URLs for us, and never follows redirects.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False, timeout=1)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self._static_path(url)
        if path is None:
            raise URLRefused(f"The PDF renderer does not load {url[:200]!r}.")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    @staticmethod
    def _static_path(url: str) -> str | None:
        """The file behind `<PDF_ORIGIN><STATIC_URL><name>`, or None for any other URL."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if f"{parts.scheme}://{parts.netloc}" != PDF_ORIGIN or not parts.path.startswith(settings.STATIC_URL):
            return None
        name = unquote(parts.path.removeprefix(settings.STATIC_URL))
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or ".." in name.split("/")
            or posixpath.normpath(name) != name
        ):
            return None
        found = finders.find(name)
        if found:
            return str(found)
        # After collectstatic (production) the template's {% static %} names a hashed copy.
        if hasattr(staticfiles_storage, "path") and staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
        return None


def render_pdf(template_name: str, context: dict, *, language: str) -> bytes:
    """Render a template in `language` and Helsinki time, and lay it out as a PDF."""
    with translation.override(language), timezone.override(HELSINKI):
        html = render_to_string(template_name, {**context, "LANGUAGE_CODE": language})
    document = weasyprint.HTML(string=html, base_url=PDF_ORIGIN + "/", url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf()


def receipt_create(permit: Permit, language: str) -> PermitDocument:
    """Store the receipt PDF of the case's latest application version; an existing one is returned as is."""
    version = permit.application.versions.select_related("submitted_by").order_by("-number").first()
    if version is None:
        raise ValueError("A case has its receipt once its application is submitted.")
    kind = DocumentKind.RECEIPT
    existing = PermitDocument.objects.filter(permit=permit, kind=kind, version_number=version.number).first()
    if existing:
        return existing
    with translation.override(language):
        # Catalogue names in the summary are looked up in the active language.
        summary = build_summary(version.snapshot)
        pdf = render_pdf(
            "pdf/receipt.html",
            {
                "permit": permit,
                "application": permit.application,
                "organisation": permit.application.organisation,
                "version": version,
                "summary": summary,
            },
            language=language,
        )
    document = PermitDocument(
        permit=permit,
        kind=kind,
        version_number=version.number,
        language=language,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    document.file.save(f"{secrets.token_urlsafe(24)}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Another worker stored the same receipt meanwhile: keep theirs.
        document.file.delete(save=False)
        return PermitDocument.objects.get(permit=permit, kind=kind, version_number=version.number)
    return document
