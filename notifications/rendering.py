"""Rendering a notification: subject, text and HTML from emails/<template>_*, in the recipient's language."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_email(*, template: str, language: str, context: dict) -> tuple[str, str, str]:
    """Render emails/<template>_{subject.txt,body.txt,body.html} in `language`: (subject, text, html)."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context, using="text").split())
        text = render_to_string(f"emails/{template}_body.txt", context, using="text")
        html = render_to_string(f"emails/{template}_body.html", context)
    return subject, text, html
