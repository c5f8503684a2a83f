"""Notifications in the browser: the list, the header count, marking read by keyboard, the email choices.

Every page is axe-scanned in Finnish and Swedish; the applicant and the officer (whose reminders cannot be
switched off) each see their own choices.
"""

import re

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from notifications.models import Notification, NotificationKind, NotificationPreference
from notifications.services import notify
from tests.e2e.helpers import assert_accessible, sign_in, sign_in_with_code, switch_language, t

pytestmark = pytest.mark.e2e

LANGUAGES = ["fi", "sv"]


def label(language: str, message: str) -> re.Pattern:
    """A form field's label as shown: the translated text and Django's colon."""
    return re.compile(rf"^{re.escape(t(language, message))}:?$")


def notification_for(user: User, subject: str) -> Notification:
    with transaction.atomic():
        return notify(
            kind=NotificationKind.CONSULTATION,
            template="consultation_message",
            context={"consultation": {"subject": subject, "organisation": {"name": "Testi Oy"}}},
            language=user.language,
            key=f"e2e:{user.pk}:{subject}",
            link="http://127.0.0.1:8000/consultations/",
            user=user,
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_applicant_reads_notifications_and_chooses_emails(page: Page, language: str, org_admin: User):
    notification_for(org_admin, "Ensimmäinen kysymys")
    notification_for(org_admin, "Toinen kysymys")
    page.goto("/")
    switch_language(page, language)
    sign_in(page, language, org_admin.email)
    switch_language(page, language)

    header_link = page.get_by_role("navigation").get_by_role("link", name=t(language, "Notifications"))
    expect(header_link).to_contain_text("(2")
    header_link.click()
    expect(page).to_have_url(reverse("notifications:list"))
    assert_accessible(page, language)

    # Mark the first one read with the keyboard alone.
    mark = page.get_by_role("button", name=t(language, "Mark read")).first
    mark.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(reverse("notifications:list"))
    expect(page.locator(".notification-unread")).to_have_count(1)
    expect(header_link).to_contain_text("(1")
    assert_accessible(page, language)

    page.get_by_role("link", name=t(language, "Choose which notifications you also get by email")).click()
    expect(page).to_have_url(reverse("notifications:preferences"))
    assert_accessible(page, language)
    page.get_by_label(label(language, "Decisions")).uncheck()
    page.get_by_role("main").get_by_role("button", name=t(language, "Save"), exact=True).click()
    expect(page).to_have_url(reverse("notifications:preferences"))
    expect(page.locator(".messages")).to_contain_text(t(language, "Your notification choices are saved."))
    assert_accessible(page, language)
    assert NotificationPreference.objects.get(user=org_admin, kind=NotificationKind.DECISION).email is False


@pytest.mark.parametrize("language", LANGUAGES)
def test_officer_sees_that_reminders_are_always_emailed(page: Page, language: str, officer: User):
    page.goto("/")
    switch_language(page, language)
    sign_in_with_code(page, language, officer)
    switch_language(page, language)
    page.goto(reverse("notifications:preferences"))
    reminders = page.get_by_label(label(language, "Deadline reminders"))
    expect(reminders).to_be_checked()
    expect(reminders).to_be_disabled()
    expect(
        page.get_by_text(t(language, "Always emailed to authority staff, so that no deadline is missed."))
    ).to_be_visible()
    assert_accessible(page, language)
    page.goto(reverse("notifications:list"))
    expect(page.get_by_text(t(language, "You have no notifications yet."))).to_be_visible()
    assert_accessible(page, language)
