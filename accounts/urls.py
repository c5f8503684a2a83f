from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("organisations/switch/", views.switch_organisation, name="switch_organisation"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:uuid>/", views.organisation_detail, name="organisation"),
    path("organisations/<uuid:uuid>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<uuid:uuid>/invitations/", views.invitation_create, name="invitation_create"),
    path("invitations/<uuid:uuid>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation, name="invitation"),
    path("members/<uuid:uuid>/update/", views.membership_update, name="membership_update"),
    path("members/<uuid:uuid>/remove/", views.membership_remove, name="membership_remove"),
]
