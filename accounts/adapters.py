import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from accounts.models import Language, User
from accounts.rules import must_use_mfa


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        user.full_name = form.cleaned_data.get("full_name", "")
        language = (get_language() or "fi")[:2]
        user.language = language if language in Language.values else Language.FI
        return super().save_user(request, user, form, commit=commit)


def _fernet() -> MultiFernet:
    """Keys derived from SECRET_KEY and its fallbacks, so that a key rotation keeps old secrets readable."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"vtjportal.mfa:{key}".encode()).digest()))
            for key in keys
        ]
    )


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user: User) -> str:
        return user.email

    # TOTP secrets are stored encrypted, not in the clear.
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff, and members of organisations that require it, cannot switch two-factor sign-in off."""
        return not must_use_mfa(authenticator.user)
