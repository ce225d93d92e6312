from django.urls import path

from digiamen.accounts.views import account, login, organisation

app_name = "accounts"

urlpatterns = [
    path("login/", login.login_view, name="login"),
    path("login/verify/", login.verify_view, name="verify"),
    path("login/recovery/", login.recovery_login_view, name="login_recovery"),
    path("login/enrol/", login.enrol_view, name="enrol"),
    path("logout/", login.logout_view, name="logout"),
    path("invitation/<str:token>/", account.accept_invitation, name="accept_invitation"),
    path("account/", account.account, name="account"),
    path("account/recovery-codes/", account.recovery_codes, name="recovery_codes"),
    path("", organisation.staff_home, name="staff_home"),
    path("<slug:org>/", organisation.organisation_home, name="organisation_home"),
    path("<slug:org>/members/", organisation.members, name="members"),
    path(
        "<slug:org>/members/<int:member_id>/deactivate/",
        organisation.deactivate_member,
        name="deactivate_member",
    ),
    path(
        "<slug:org>/members/<int:member_id>/confirm-key/",
        organisation.confirm_member_key,
        name="confirm_member_key",
    ),
    path("<slug:org>/members/<int:member_id>/role/", organisation.change_role, name="change_role"),
    path(
        "<slug:org>/members/<int:member_id>/reset-2fa/",
        organisation.reset_two_factor,
        name="reset_two_factor",
    ),
    path(
        "<slug:org>/invitations/<int:invitation_id>/revoke/",
        organisation.revoke_invitation,
        name="revoke_invitation",
    ),
    path("<slug:org>/audit/", organisation.audit_log, name="audit_log"),
    path("<slug:org>/settings/", organisation.organisation_settings, name="organisation_settings"),
    path("<slug:org>/recovery-key/", organisation.recovery_key, name="recovery_key"),
    path("<slug:org>/recovery-key/new/", organisation.new_recovery_key, name="new_recovery_key"),
    path("<slug:org>/key-signatures/", organisation.key_signatures, name="key_signatures"),
]
