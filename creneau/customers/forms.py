"""Forms of the customer pages. They carry widgets and labels only: the models' clean()
(through ModelForm) and the services validate, with the same French messages as the API."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from creneau.core.roles import Role, user_is_direction, user_role, user_sees_all_customers
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.core.validators import format_phone
from creneau.core.widgets import Textarea
from creneau.customers.display import iban_groups
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.selectors import (
    BALANCE_DUE,
    BALANCE_OVERDUE,
    OVERDUE_DAYS_MAX,
    SORTABLE,
    families_list,
    sales_reps,
    user_sees_invoices,
)

AnyUser = AbstractBaseUser | AnonymousUser


class BootstrapFormMixin:
    """Give every widget its Bootstrap class, and mark fields in error as invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.RadioSelect):
                css = "btn-check"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name, errors in self.errors.items():
            # The form and the model's clean() may say the same thing ("Ce champ est
            # obligatoire."): say it once.
            unique: dict[str, ValidationError] = {}
            for item in errors.as_data():
                unique.setdefault(" ".join(item.messages), item)
            errors.data = list(unique.values())
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DisplayFormatsMixin:
    """Show stored values as people type them: national phones, IBANs in groups of four.
    Typed back, they normalise to the same stored value, so nothing shows as changed."""

    DISPLAY_FORMATS = {"phone": format_phone, "mobile": format_phone, "iban": iban_groups}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, display in self.DISPLAY_FORMATS.items():
            if name in self.fields and self.initial.get(name):
                self.initial[name] = display(self.initial[name])


def typed_max_length(stored_length: int) -> int:
    """How many characters a form takes for an identifier stored compact in
    `stored_length`: twice as many, for the spaces, dots and dashes people type
    ("493 868 806 00768"), within bounds."""
    return min(max(2 * stored_length, 30), 80)


class TypedIdentifiersMixin:
    """Let identifiers be typed as people write them. The model stores them compact
    (NormalisedFieldsMixin), so the column's length would cut "493 868 806 00768" at 14
    characters in the browser, then refuse it: the form takes more, the model normalises,
    then checks the stored length."""

    TYPED_FIELDS = ("siret", "vat_number", "iban", "bic", "phone", "mobile")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.TYPED_FIELDS:
            field = self.fields.get(name)
            if field is None or not field.max_length:
                continue
            field.max_length = typed_max_length(field.max_length)
            field.validators = [
                *(v for v in field.validators if not isinstance(v, MaxLengthValidator)),
                MaxLengthValidator(field.max_length),
            ]
            field.widget.attrs["maxlength"] = str(field.max_length)


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: at its field when the form has that
    field, at the top otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def staff_label(user: User) -> str:
    return user.get_full_name() or user.username


class SalesRepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return staff_label(obj)


def user_sees_bank_details(user: AnyUser) -> bool:
    """Whole IBANs are for the people who collect money: direction and accounting."""
    return user_role(user) in (Role.DIRECTION, Role.ACCOUNTANT)


PHONE_WIDGET = {"type": "tel", "autocomplete": "off"}


class CustomerFieldsMixin:
    """What the creation and the general tab share: the billing address is required, and
    choices are limited to what the user may pick (only direction assigns a sales rep)."""

    def setup_choices(self, user: AnyUser) -> None:
        for name in ("street", "postcode", "city"):
            self.fields[name].required = True  # the billing address (Customer.clean checks it)
        self.fields["family"].queryset = families_list()
        self.fields["family"].empty_label = _("— Aucune —")
        if "sales_rep" in self.fields:
            if user_is_direction(user):
                self.fields["sales_rep"].queryset = sales_reps()
                self.fields["sales_rep"].empty_label = _("— Sans commercial —")
            else:
                del self.fields["sales_rep"]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values to hand to the service (the model's fields only)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


CUSTOMER_WIDGETS = {
    "kind": forms.RadioSelect,
    "street": forms.TextInput(attrs={"autocomplete": "off"}),
    "postcode": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    "phone": forms.TextInput(attrs=PHONE_WIDGET),
    "mobile": forms.TextInput(attrs=PHONE_WIDGET),
}
CUSTOMER_FIELD_CLASSES = {"sales_rep": SalesRepChoiceField}
# The ids of the likely duplicates shown (a handful), comma-separated.
CONFIRMED_DUPLICATES_MAX_LENGTH = 1000


class CustomerCreateForm(
    TypedIdentifiersMixin, BootstrapFormMixin, CustomerFieldsMixin, forms.ModelForm
):
    """The short creation form: a name, a kind and a billing address; the rest is optional."""

    first_site = forms.BooleanField(
        label=_("Créer aussi un site d'intervention à cette adresse"), required=False
    )
    first_site_name = forms.CharField(
        label=_("Nom du site"),
        max_length=Site._meta.get_field("name").max_length,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Nom du site (par défaut, celui du client)")}
        ),
    )
    # Filled by the "Créer quand même" button: the ids of the likely duplicates the user saw.
    confirmed_duplicates = forms.CharField(
        max_length=CONFIRMED_DUPLICATES_MAX_LENGTH, required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Customer
        fields = [
            "name", "kind", "street", "postcode", "city", "country",
            "phone", "mobile", "email", "family", "sales_rep",
        ]  # fmt: skip
        widgets = {**CUSTOMER_WIDGETS, "name": forms.TextInput(attrs={"autofocus": True})}
        field_classes = CUSTOMER_FIELD_CLASSES

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_choices(user)

    def confirmed_duplicate_ids(self) -> set[int]:
        value = self.cleaned_data.get("confirmed_duplicates") or ""
        # isdigit() alone also accepts "²" or Arabic-Indic digits, which int() refuses.
        parts = (part.strip() for part in value.split(","))
        return {int(part) for part in parts if part.isascii() and part.isdigit()}


class CustomerForm(
    TypedIdentifiersMixin,
    DisplayFormatsMixin,
    BootstrapFormMixin,
    CustomerFieldsMixin,
    forms.ModelForm,
):
    """The general tab in edit mode. Bank details only for who may see them whole."""

    class Meta:
        model = Customer
        fields = [
            "kind", "name", "street", "postcode", "city", "country",
            "phone", "mobile", "email", "family", "sales_rep",
            "siret", "vat_number", "iban", "bic", "accounting_code", "payment_terms_days",
            "visit_reminders",
        ]  # fmt: skip
        widgets = {
            **CUSTOMER_WIDGETS,
            "iban": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "bic": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }
        field_classes = CUSTOMER_FIELD_CLASSES
        help_texts = {
            "accounting_code": _("Compte auxiliaire client (411…)."),
            "siret": _("Professionnels : 9 chiffres (SIREN) ou 14 chiffres (SIRET)."),
        }

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_choices(user)
        if not user_sees_bank_details(user):
            del self.fields["iban"]
            del self.fields["bic"]
        self.fields["payment_terms_days"].widget.attrs["min"] = 0


class NotesForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["notes"]
        widgets = {"notes": Textarea(attrs={"rows": 10})}
        labels = {"notes": _("Observations")}
        help_texts = {"notes": _("Informations utiles à toute l'équipe : habitudes, consignes…")}


class SiteForm(BootstrapFormMixin, forms.ModelForm):
    """A site; an empty address means the customer's billing address."""

    class Meta:
        model = Site
        fields = [
            "name", "street", "postcode", "city", "country", "billing_group", "access_notes",
        ]  # fmt: skip
        widgets = {
            "billing_group": forms.TextInput(
                attrs={
                    "maxlength": 1,
                    "class": "app-billing-group",
                    "autocomplete": "off",
                    "placeholder": "A",
                }
            ),
            "access_notes": Textarea(attrs={"rows": 3}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }
        help_texts = {
            "street": _("Laissez l'adresse vide pour reprendre l'adresse de facturation du client.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["billing_group"].required = False  # empty means the default group, A

    def clean_billing_group(self) -> str:
        # Typed "b" means group B: the stored form is upper case.
        return (self.cleaned_data.get("billing_group") or "A").strip().upper()


class ContactForm(TypedIdentifiersMixin, DisplayFormatsMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "site", "phone", "mobile", "email"]
        widgets = {
            "phone": forms.TextInput(attrs=PHONE_WIDGET),
            "mobile": forms.TextInput(attrs=PHONE_WIDGET),
        }

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = _("— Tous les sites —")


class FamilyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Family
        fields = ["name"]


# customers_filter reads a missing `active` as "1" and anything but "1"/"0" as all.
ACTIVE_CHOICES = [("1", _("Actifs")), ("0", _("Inactifs")), ("all", _("Actifs et inactifs"))]
NO_SALES_REP = "none"
BALANCE_CHOICES = [
    ("", _("Tous")),
    (BALANCE_DUE, _("Avec un solde")),
    (BALANCE_OVERDUE, _("En retard")),
]


def _family_choices() -> list[tuple[str, str]]:
    return [("", _("Toutes")), *((str(family.pk), family.name) for family in families_list())]


def _sales_rep_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Tous")),
        (NO_SALES_REP, _("Sans commercial")),
        *((str(rep.pk), staff_label(rep)) for rep in sales_reps()),
    ]


class CustomerFilterForm(BootstrapFormMixin, forms.Form):
    """The filters above the customer list; their values live in the URL."""

    q = forms.CharField(
        label=_("Recherche"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Nom, code, tél., ville…"),
                "autocomplete": "off",
            }
        ),
    )
    family = forms.ChoiceField(label=_("Famille"), required=False)
    sales_rep = forms.ChoiceField(label=_("Commercial"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *Customer.Kind.choices]
    )
    city = forms.CharField(
        label=_("Ville"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    active = forms.ChoiceField(label=_("État"), required=False, choices=ACTIVE_CHOICES)
    # The balance filters, for the roles that see invoices (removed for the others).
    balance = forms.ChoiceField(label=_("Solde"), required=False, choices=BALANCE_CHOICES)
    overdue_days = forms.IntegerField(
        label=_("En retard de plus de (jours)"),
        required=False,
        min_value=1,
        max_value=OVERDUE_DAYS_MAX,
        widget=forms.NumberInput(attrs={"min": 1, "max": OVERDUE_DAYS_MAX, "step": 1}),
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORTABLE], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Callables, cached per form: the families and reps are read once when the select
        # is drawn or a value is checked, and not at all for the results sent as one types.
        self.fields["family"].choices = functools.cache(_family_choices)
        if user_sees_all_customers(user):
            self.fields["sales_rep"].choices = functools.cache(_sales_rep_choices)
        else:
            del self.fields["sales_rep"]
        if not user_sees_invoices(user):
            del self.fields["balance"]
            del self.fields["overdue_days"]

    def filters(self) -> dict[str, str]:
        """The valid filters, for customers_filter(); an invalid value is ignored."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class RecipientContactField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.name} <{obj.email}>" if obj.email else f"{obj.name} ({_('sans e-mail')})"


class InvoiceRecipientForm(BootstrapFormMixin, forms.Form):
    """Who receives a billing group's invoices and/or reminders: a contact or an address.
    The service checks the rest (a contact of this customer, one of the two, a group)."""

    billing_group = forms.CharField(
        label=_("Groupe"),
        max_length=1,
        widget=forms.TextInput(
            attrs={"maxlength": 1, "class": "app-billing-group", "autocomplete": "off"}
        ),
    )
    contact = RecipientContactField(
        label=_("Interlocuteur"), queryset=Contact.objects.none(), required=False
    )
    email = forms.EmailField(label=_("ou adresse e-mail"), required=False, max_length=254)
    for_invoices = forms.BooleanField(label=_("Factures"), required=False, initial=True)
    for_reminders = forms.BooleanField(label=_("Relances"), required=False, initial=True)

    def __init__(self, *args: Any, contacts: QuerySet[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
        self.fields["contact"].empty_label = _("— Aucun —")

    def clean_billing_group(self) -> str:
        # Typed "b" means group B, as on a site.
        return (self.cleaned_data.get("billing_group") or "").strip().upper()
