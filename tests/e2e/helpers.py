"""What the browser tests share: the axe-core scan, translated names, email links and the language switcher."""

import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import User

# The `new_page` fixture: opens a page in a fresh browser context (javascript=False to switch scripts off).
PageFactory = Callable[..., Page]
FACTORY_PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's

# axe-core as shipped by axe-playwright-python; injected with page.evaluate, which CSP does not block.
AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page as it is now."""
    if getattr(page.context, "javascript_enabled", True) is False:
        raise AssertionError("axe-core needs JavaScript: scan this page in a context with scripts on")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, language: str) -> None:
    """The page is in `language` (by <html lang>) and axe-core finds no WCAG 2.1 A/AA violation."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found violations on {page.url} ({language}):\n{format_violations(violations)}"
    )


def t(language: str, message: str, **params: str) -> str:
    """`message` as the page shows it in `language`, from the same catalogues the server uses.

    Buttons and links are found by role and this name, so the tests keep working while the Finnish and
    Swedish catalogues are filled in.
    """
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


def switch_language(page: Page, language: str) -> None:
    """Change the language with the header's switcher (a plain form: select, then submit)."""
    switcher = page.locator("form.language-switcher")
    switcher.locator("select[name=language]").select_option(language)
    switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def sign_in(page: Page, language: str, email: str, password: str = FACTORY_PASSWORD) -> None:
    """Sign in with the sign-in form, as a user would."""
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("main").get_by_role("button", name=t(language, "Sign In"), exact=True).click()


_URL = re.compile(r"https?://[^\s\"'<>]+")


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The path (and query) of the link in the email's text whose path starts with `path_prefix`.

    Only the path is kept: the browser opens it on the live server, whatever host the email names.
    """
    for url in _URL.findall(message.body):
        parts = urlsplit(url)
        if parts.path.startswith(path_prefix):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"No link to {path_prefix} in the email {message.subject!r}:\n{message.body}")


def emails_to(outbox: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [message for message in outbox if address in message.to]


def t_template(language: str, message: str) -> str:
    """`message` as a template's {% translate %} renders it in `language`.

    Templates double the percent signs of their messages in the catalogues ("Saved at %%s."), and the tag
    turns them back into single ones when it renders.
    """
    return t(language, message.replace("%", "%%")).replace("%%", "%")


def totp_code(user: User) -> str:
    """The code `user`'s authenticator app shows now (waits out the last two seconds of a period)."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in_with_code(page: Page, language: str, user: User, password: str = FACTORY_PASSWORD) -> None:
    """Sign in a user who has an authenticator: password, then the code; lands on the home page."""
    sign_in(page, language, user.email, password)
    expect(page).to_have_url(reverse("mfa_authenticate"))
    page.locator("input[name=code]").fill(totp_code(user))
    page.get_by_role("main").get_by_role("button", name=t(language, "Sign In"), exact=True).click()
    expect(page).to_have_url(reverse("accounts:home"))
