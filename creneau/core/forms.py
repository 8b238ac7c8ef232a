"""Forms of the settings pages. They only read what was typed: the services validate
(full_clean, normalisers, password validators) and their errors are put back at the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN

from creneau.core.models import Company
from creneau.core.roles import Role, role_given
from creneau.core.validators import format_phone


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes, and which shows a service's
    ValidationError at the fields it names."""

    # Service field name -> form field name, where they differ.
    service_field_names: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.update_error_dict({}).items():
            name = self.service_field_names.get(name, name)
            self.add_error(name if name in self.fields else None, messages)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs["class"]:
                widget.attrs["class"] += " is-invalid"


COMPANY_FORM_FIELDS = [
    "legal_name", "legal_form", "capital", "siret", "register", "register_city", "vat_number",
    "sap_number", "sap_declaration_date", "street", "postcode", "city", "country", "phone",
    "email", "iban", "bic",
    "sepa_creditor_id", "late_penalty_rate", "vat_on_debits", "invoice_line_per_visit",
    "sepa_pain_version", "sepa_prenotification_days", "sepa_reject_fee",
]  # fmt: skip

COMPANY_PLACEHOLDERS = {
    "legal_form": _("SARL, SAS, EURL, entreprise individuelle…"),
    "siret": _("ex. 73282932000074"),
    "vat_number": _("ex. FR44732829320"),
    "sap_number": _("ex. SAP123456789"),
    "iban": _("FR76 …"),
    "sepa_creditor_id": _("ex. FR72ZZZ123456"),
    "register_city": _("ex. Lyon"),
}
COMPANY_HELP = {
    "siret": _("9 chiffres (SIREN) ou 14 chiffres (SIRET du siège)."),
    "sap_number": _("Numéro de déclaration d'organisme de services à la personne."),
    "bic": _("Laissé vide, il est déduit de l'IBAN pour une banque française."),
    "sepa_creditor_id": _("Délivré par la Banque de France, par votre banque : 13 caractères."),
}


class CompanyForm(BootstrapForm):
    """The company's identity. The logo is read as a plain file: its content is checked by
    the service (Company.clean), so the same rule holds wherever it comes from."""

    logo = forms.FileField(
        label=_("Nouveau logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_("PNG, JPEG, WebP ou GIF ; 2 Mo et 4000 pixels de côté au plus."),
    )
    logo_remove = forms.BooleanField(label=_("Supprimer le logo"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = forms.fields_for_model(Company, fields=COMPANY_FORM_FIELDS)
        # Identifiers may be typed with spaces; the service stores them compact, and only
        # then does the column's length apply.
        for name in ("siret", "vat_number", "phone", "iban", "bic", "sepa_creditor_id"):
            fields[name] = forms.CharField(label=fields[name].label, required=False, max_length=60)
        fields["vat_number"].label = _("TVA intracommunautaire")
        fields["sap_declaration_date"].widget = forms.DateInput(
            attrs={"type": "date", "min": "1990-01-01", "max": "2099-12-31"}, format="%Y-%m-%d"
        )
        fields["sap_declaration_date"].error_messages["invalid"] = _(
            "Saisissez une date valide (AAAA-MM-JJ)."
        )
        fields["sap_declaration_date"].help_text = _("Imprimée sur les attestations fiscales.")
        # Documents print the address: the service refuses a company without one.
        for name in ("street", "postcode", "city"):
            fields[name].required = True
        fields["register"].choices = [("", _("— Non renseigné —")), *Company.Register.choices]
        for name in ("capital", "late_penalty_rate", "sepa_reject_fee"):
            fields[name].localize = True
            fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        fields["late_penalty_rate"].label = _("Taux des pénalités de retard (%)")
        # Left empty, the rate stays as it was (it is never blank).
        fields["late_penalty_rate"].required = False
        # Left out of a form, they stay as they were (they are never blank).
        for name in ("sepa_pain_version", "sepa_prenotification_days", "sepa_reject_fee"):
            fields[name].required = False
        fields["sepa_pain_version"].label = _("Format des fichiers de prélèvement")
        fields["sepa_pain_version"].help_text = _("Celui que votre banque demande.")
        fields["sepa_prenotification_days"].label = _("Préavis de prélèvement (jours)")
        fields["sepa_reject_fee"].label = _("Frais de rejet de prélèvement (TTC, €)")
        fields["sepa_reject_fee"].help_text = _(
            "Proposés quand un prélèvement est rejeté ; 0 : pas de frais."
        )
        fields["vat_on_debits"].label = _("Option pour le paiement de la TVA d'après les débits")
        fields["invoice_line_per_visit"].label = _("Une ligne de facture par passage")
        for name, text in COMPANY_PLACEHOLDERS.items():
            fields[name].widget.attrs["placeholder"] = text
        for name, text in COMPANY_HELP.items():
            fields[name].help_text = text
        self.base_fields = {**fields, **self.base_fields}
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_from(company: Company) -> dict[str, Any]:
        initial = {name: getattr(company, name) for name in COMPANY_FORM_FIELDS}
        initial["phone"] = format_phone(company.phone)
        initial["iban"] = IBAN(company.iban).formatted if company.iban else ""
        return initial

    def service_fields(self) -> dict[str, Any]:
        """What to hand to company_update: the typed fields, and the logo only if it changes."""
        fields = {name: self.cleaned_data[name] for name in COMPANY_FORM_FIELDS}
        for name in ("late_penalty_rate", "sepa_pain_version", "sepa_prenotification_days",
                     "sepa_reject_fee"):  # fmt: skip
            if fields[name] in (None, ""):
                del fields[name]
        nullable = ("capital", "sap_declaration_date")
        fields = {name: "" if value is None and name not in nullable else value
                  for name, value in fields.items()}  # fmt: skip
        if self.cleaned_data.get("logo"):
            fields["logo"] = self.cleaned_data["logo"]
        elif self.cleaned_data.get("logo_remove"):
            fields["logo"] = None
        return fields


ROLE_CHOICES = [("", "—"), *Role.choices]
# Long enough for any passphrase; bounded, so that no one makes the server hash megabytes.
PASSWORD_MAX_LENGTH = 4096


class StaffForm(BootstrapForm):
    """Names, e-mail and role of a staff account."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=ROLE_CHOICES,
        help_text=_(
            "Direction : tout, dont les paramètres. Commercial : ses propres clients. "
            "Planning et Comptabilité : tous les clients."
        ),
    )

    @staticmethod
    def initial_from(user: User) -> dict[str, Any]:
        role = role_given(user)
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": role.value if role else "",
        }


class PasswordFields(BootstrapForm):
    """A new password typed twice; the service runs Django's password validators."""

    service_field_names = {"password": "password1"}

    password1 = forms.CharField(
        label=_("Mot de passe"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "8 caractères au moins ; ni entièrement numérique, ni trop courant, "
            "ni proche du nom de l'utilisateur."
        ),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        return data


class StaffCreateForm(StaffForm, PasswordFields):
    """A new staff account: username, names, e-mail, role and an initial password."""

    username = forms.CharField(
        label=_("Identifiant de connexion"),
        max_length=150,
        help_text=_("Lettres, chiffres et @ . + - _ ; ne change plus ensuite."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    field_order = [
        "username", "first_name", "last_name", "email", "role", "password1", "password2",
    ]  # fmt: skip


class StaffPasswordForm(PasswordFields):
    pass


class ApiTokenForm(BootstrapForm):
    """A new API token: a name, and an optional last day (checked by the service: not in
    the past, at most two years ahead)."""

    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Ce qui l'utilise : un script, un outil, un poste…"),
        widget=forms.TextInput(attrs={"placeholder": _("ex. Export comptable"), "maxlength": 100}),
    )
    expires_on = forms.DateField(
        label=_("Expire le"),
        required=False,
        help_text=_("Dernier jour de validité. Vide : jusqu'à ce que vous le révoquiez."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, today: date, latest: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's date picker offers only the days the service accepts.
        self.fields["expires_on"].widget.attrs.update(
            {"min": today.isoformat(), "max": latest.isoformat()}
        )
