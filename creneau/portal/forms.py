"""The portal's forms: they read and bound what was typed; the services validate (Django's
password validators, the message's fields) and their errors come back at the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import PASSWORD_MAX_LENGTH, BootstrapForm, PasswordFields
from creneau.core.text import NOTES_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.customers.models import Site
from creneau.portal.models import MESSAGE_SUBJECT_MAX_LENGTH

EMAIL_MAX_LENGTH = 254


class PortalLoginForm(BootstrapForm):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(
            attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PortalForgotForm(BootstrapForm):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "autocapitalize": "none"}
        ),
    )


class NewPasswordFields(PasswordFields):
    def add_service_errors(self, error: ValidationError) -> None:
        # Django's password validators name no field: they are about the new password.
        if not hasattr(error, "error_dict"):
            self.add_error("password1", error)
            return
        super().add_service_errors(error)


class PortalSetPasswordForm(NewPasswordFields):
    """The new password of an invitation or a reset link, typed twice."""


class PortalPasswordChangeForm(NewPasswordFields):
    """Mon compte: the current password, then the new one twice."""

    service_field_names = {"password": "password1", "new": "password1"}

    old_password = forms.CharField(
        label=_("Mot de passe actuel"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("Nouveau mot de passe")
        self.fields["password2"].label = _("Nouveau mot de passe, une seconde fois")


class PortalMessageForm(BootstrapForm):
    """ "Nous écrire": a subject, a message and, for an access to several sites, which site
    it is about (optional)."""

    subject = forms.CharField(label=_("Objet"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=NOTES_MAX_LENGTH,
        widget=Textarea(attrs={"rows": 5}),
    )
    site = forms.ModelChoiceField(
        label=_("Site concerné"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("— Aucun en particulier —"),
    )

    def __init__(self, *args: Any, sites, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        if len(self.fields["site"].choices) <= 2:
            # One site (or none): nothing to choose.
            del self.fields["site"]
