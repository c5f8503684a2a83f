from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.utils.translation import get_language

from accounts.models import Language, User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        user.full_name = form.cleaned_data.get("full_name", "")
        language = (get_language() or "fi")[:2]
        user.language = language if language in Language.values else Language.FI
        return super().save_user(request, user, form, commit=commit)


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user: User) -> str:
        return user.email
