from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

# The Django admin signs in only through allauth (and so through two-factor sign-in).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented way

urlpatterns = [
    path("", account_views.front, name="front"),
    path("accessibility/", account_views.accessibility, name="accessibility"),
    path("privacy/", account_views.privacy, name="privacy"),
    path("healthz", account_views.healthz, name="healthz"),
    path("language/", account_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    # permits before applications: its /applications/<uuid>/submit/ must win over the wizard's steps.
    path("", include("permits.urls")),
    path("", include("applications.urls")),
    path("admin/", admin.site.urls),
]
