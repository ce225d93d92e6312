from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from digiamen.accounts import time_zones
from digiamen.accounts.models import Role
from digiamen.core.digits import DigitsField, normalize_digits
from digiamen.core.text import TextField


def password_field(label: Any, *, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = password_field(_("Password"), autocomplete="current-password")


class OTPForm(forms.Form):
    """A 6-digit code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or a recovery code."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "class": "code",
                "dir": "ltr",
            }
        ),
    )

    def clean_code(self) -> str:
        return compact_code(self.cleaned_data["code"])


def compact_code(value: str) -> str:
    """A code as typed or pasted (spaces, dashes, Arabic-Indic digits) in the stored form."""
    code = normalize_digits(value).strip().lower()
    compact = code.replace(" ", "").replace("-", "")
    if not compact.isalnum():
        raise forms.ValidationError(_("Enter the code as it is shown."))
    return compact


class RecoveryLoginForm(LoginForm):
    """Username, password and a recovery code in one step (accounts/signin.py)."""

    code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        help_text=_("One of the recovery codes you kept when you set up your authenticator app."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "class": "code", "dir": "ltr"}
        ),
    )

    def clean_code(self) -> str:
        return compact_code(self.cleaned_data["code"])


class EnrolForm(forms.Form):
    code = DigitsField(
        label=_("6-digit code"),
        max_length=32,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter the 6 digits shown in the app."))],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "code",
                "dir": "ltr",
            }
        ),
    )


class NewPasswordMixin(forms.Form):
    new_password1 = password_field(_("New password"), autocomplete="new-password")
    new_password2 = password_field(_("New password again"), autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first, self.user_for_validation())
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned

    def user_for_validation(self) -> Any:
        return None


class AcceptInvitationForm(NewPasswordMixin):
    field_order = ["username", "new_password1", "new_password2"]
    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class PasswordChangeForm(NewPasswordMixin):
    field_order = ["current_password", "new_password1", "new_password2", "possibly_seen"]
    current_password = password_field(_("Current password"), autocomplete="current-password")
    possibly_seen = forms.BooleanField(
        label=_("My password or device may have been seen by someone else"),
        required=False,
        help_text=_(
            "You then also get a new key, and the organisation's key is renewed: "
            "a copy of your old key opens nothing written from now on."
        ),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def user_for_validation(self) -> Any:
        return self.user

    def clean_current_password(self) -> str:
        password: str = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The current password is not right."))
        return password


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ConfirmKeyForm(forms.Form):
    # The fingerprint the admin was shown and compared; the action checks it is still the
    # member's, so a key swapped in between is never granted anything.
    fingerprint = forms.CharField(max_length=64)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zones.choices,
        required=False,  # not sent: unchanged
        help_text=_(
            "Staff pages, exports and alerts show times in this zone; deadlines are counted "
            "in it. Usually your country's."
        ),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    discreet_title = TextField(
        label=_("Discreet title"),
        max_length=60,
        required=False,
        help_text=_(
            "Shown in the browser tab of a reporter's follow-up pages instead of "
            "the site's name, e.g. “Homework help”. Leave empty to use the site's name."
        ),
    )


class RecoveryKeyForm(forms.Form):
    """The check group printed beside the recovery key; never the key itself."""

    checksum = forms.CharField(
        label=_("Check group printed beside the recovery key"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "dir": "ltr",
                "spellcheck": "false",
                "class": "code",
            }
        ),
    )
