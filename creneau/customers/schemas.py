"""Shapes of the customer record in the REST API (/api/v1/): what clients send and receive.

Field names follow the glossary (English); addresses are nested objects (`billing_address`
of a customer, `address` of a site). In the *Patch schemas every field may be left out,
and what is left out keeps its value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from ninja import Field, Schema

from creneau.core.api_text import (
    KEYWORD_MAX_LENGTH,
    TYPED_IDENTIFIER_MAX_LENGTH,
    text_of,
    text_up_to,
)
from creneau.core.schemas import DbId, FieldError, InputSchema, Message, ValidationErrors
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.display import mask_iban
from creneau.customers.forms import user_sees_bank_details
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.selectors import OVERDUE_DAYS_MAX, SORTABLE

# Literal (rather than the TextChoices) so that OpenAPI lists the plain values.
CustomerKind = Literal[tuple(Customer.Kind.values)]  # type: ignore[valid-type]
ContactRole = Literal[tuple(Contact.Role.values)]  # type: ignore[valid-type]
SortKey = Literal[tuple(SORTABLE)]  # type: ignore[valid-type]
# The column is a PostgreSQL smallint; the service checks the same bounds.
PaymentTermsDays = Annotated[int, Field(ge=0, le=32767, description="Délai de paiement en jours.")]

MASKED_BIC = "••••"

# Texts of the input schemas, bounded like the fields they fill (core/api_text.py).
Street = text_of(Customer, "street")
Postcode = text_of(Customer, "postcode")
City = text_of(Customer, "city")
# A code checked against its list by the model, which says what is allowed: the bound
# only keeps a megabyte out.
Code = text_up_to(KEYWORD_MAX_LENGTH)
Country = Code
Email = text_of(Customer, "email")
Identifier = text_up_to(TYPED_IDENTIFIER_MAX_LENGTH)
Username = text_of(User, "username")
Search = text_up_to(SEARCH_MAX_LENGTH)


def bank_detail_as_read(customer: Customer, field: str, user: Any) -> str:
    """The IBAN or BIC as the user reads it: whole for who sees bank details (the pages'
    rule), otherwise the IBAN masked as on the pages and the BIC hidden."""
    value = getattr(customer, field)
    if not value or user_sees_bank_details(user):
        return value
    return mask_iban(value) if field == "iban" else MASKED_BIC


def address_of(instance: Customer | Site) -> dict[str, str]:
    return {name: getattr(instance, name) for name in Customer.ADDRESS_FIELDS}


class AddressIn(InputSchema):
    street: Street = Field(..., description="Numéro et rue.")
    postcode: Postcode = Field(..., description="Code postal (5 chiffres en France).")
    city: City
    country: Country = Field("FR", description="Code pays ISO 3166 à deux lettres.")


class AddressPatch(InputSchema):
    street: Street = None
    postcode: Postcode = None
    city: City = None
    country: Country = None


class AddressOut(Schema):
    street: str
    postcode: str
    city: str
    country: str


class CustomerIn(InputSchema):
    name: text_of(Customer, "name")
    kind: CustomerKind = Field(..., description="`individual` (particulier) ou `business`.")
    billing_address: AddressIn
    email: Email = ""
    phone: Identifier = Field("", description="Saisi au format national ou international.")
    mobile: Identifier = ""
    family_id: DbId | None = None
    sales_rep: Username | None = Field(
        None,
        description="Identifiant (username) du commercial. Pour un commercial, lui-même "
        "par défaut ; il ne peut pas désigner quelqu'un d'autre.",
    )
    notes: text_of(Customer, "notes") = ""
    iban: Identifier = ""
    bic: Identifier = ""
    siret: Identifier = Field("", description="SIREN (9 chiffres) ou SIRET (14 chiffres).")
    vat_number: Identifier = ""
    accounting_code: text_of(Customer, "accounting_code") = Field(
        "", description="Par défaut 411 suivi du code client."
    )
    payment_terms_days: PaymentTermsDays = 30
    visit_reminders: bool = Field(
        False, description="Un e-mail de rappel la veille de chaque intervention."
    )


class CustomerPatch(InputSchema):
    name: text_of(Customer, "name") = None
    kind: CustomerKind = None
    billing_address: AddressPatch = None
    email: Email = None
    phone: Identifier = None
    mobile: Identifier = None
    family_id: DbId | None = Field(None, description="`null` retire la famille.")
    sales_rep: Username | None = Field(None, description="`null` retire le commercial.")
    notes: text_of(Customer, "notes") = None
    iban: Identifier = None
    bic: Identifier = None
    siret: Identifier = None
    vat_number: Identifier = None
    accounting_code: text_of(Customer, "accounting_code") = None
    payment_terms_days: PaymentTermsDays = None
    visit_reminders: bool = None
    is_active: bool = None


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    kind: CustomerKind
    billing_address: AddressOut
    email: str
    phone: str = Field(..., description="Format E.164 (+33612345678).")
    mobile: str
    family_id: int | None
    family: str | None = Field(..., description="Nom de la famille.")
    sales_rep: str | None = Field(..., description="Identifiant (username) du commercial.")
    notes: str
    iban: str = Field(
        ...,
        description="En entier pour la direction et la comptabilité ; masqué pour les "
        "autres rôles (FR76 •••• 0189).",
    )
    bic: str = Field(..., description="Masqué (••••) sauf pour la direction et la comptabilité.")
    siret: str
    vat_number: str
    accounting_code: str
    payment_terms_days: int
    visit_reminders: bool = Field(
        ..., description="Rappel de passage par e-mail, la veille de chaque intervention."
    )
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_billing_address(obj: Customer) -> dict[str, str]:
        return address_of(obj)

    @staticmethod
    def resolve_family(obj: Customer) -> str | None:
        return obj.family.name if obj.family_id else None

    @staticmethod
    def resolve_sales_rep(obj: Customer) -> str | None:
        return obj.sales_rep.username if obj.sales_rep_id else None

    @staticmethod
    def resolve_iban(obj: Customer, context: dict[str, Any]) -> str:
        return bank_detail_as_read(obj, "iban", context["request"].auth)

    @staticmethod
    def resolve_bic(obj: Customer, context: dict[str, Any]) -> str:
        return bank_detail_as_read(obj, "bic", context["request"].auth)


class CustomerFilters(InputSchema):
    q: Search = Field(
        "",
        description="Texte libre : nom, code, téléphone, e-mail, ville, code postal, "
        "noms et adresses des sites.",
    )
    family: DbId | None = Field(None, description="Identifiant de famille.")
    sales_rep: Username = Field(
        "", description="Username du commercial, ou `none` : sans commercial."
    )
    kind: CustomerKind | None = None
    city: Search = ""
    active: Literal["true", "false", "all"] = Field("true", description="Actifs par défaut.")
    balance: Literal["due", "overdue"] | None = Field(
        None,
        description="`due` : avec un solde ; `overdue` : en retard (rôles qui voient les "
        "factures, ignoré pour les autres).",
    )
    overdue_days: int | None = Field(
        None, ge=1, le=OVERDUE_DAYS_MAX, description="En retard de plus de N jours."
    )
    sort: SortKey = "name"


class SiteIn(InputSchema):
    customer_id: DbId
    name: text_of(Site, "name")
    address: AddressIn | None = Field(
        None, description="Omise : l'adresse de facturation du client."
    )
    billing_group: Code = Field(
        "A",
        description="Une lettre (A-Z) ou un chiffre (0-9). Les sites d'un client qui "
        "partagent le même groupe sont facturés ensemble.",
    )
    access_notes: text_of(Site, "access_notes") = Field(
        "", description="Interphone, digicode, boîte à clés, consignes."
    )


class SitePatch(InputSchema):
    name: text_of(Site, "name") = None
    address: AddressPatch = None
    billing_group: Code = None
    access_notes: text_of(Site, "access_notes") = None
    is_active: bool = None


class SiteOut(Schema):
    id: int
    customer_id: int
    name: str
    address: AddressOut
    billing_group: str
    access_notes: str
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_address(obj: Site) -> dict[str, str]:
        return address_of(obj)


class SiteFilters(InputSchema):
    customer_id: DbId | None = None


class ContactIn(InputSchema):
    customer_id: DbId
    name: text_of(Contact, "name")
    role: ContactRole = "other"
    site_id: DbId | None = Field(None, description="Un site du même client.")
    phone: Identifier = ""
    mobile: Identifier = ""
    email: text_of(Contact, "email") = ""


class ContactPatch(InputSchema):
    name: text_of(Contact, "name") = None
    role: ContactRole = None
    site_id: DbId | None = Field(None, description="`null` détache l'interlocuteur du site.")
    phone: Identifier = None
    mobile: Identifier = None
    email: text_of(Contact, "email") = None


class ContactOut(Schema):
    id: int
    customer_id: int
    site_id: int | None
    name: str
    role: ContactRole
    phone: str
    mobile: str
    email: str
    created_at: datetime


class ContactFilters(InputSchema):
    customer_id: DbId | None = None
    site_id: DbId | None = None


class FamilyIn(InputSchema):
    name: text_of(Family, "name")


class FamilyPatch(InputSchema):
    name: text_of(Family, "name") = None


class FamilyOut(Schema):
    id: int
    name: str
    created_at: datetime


__all__ = ["FieldError", "Message", "ValidationErrors"]  # shared by the API modules (core)

# The error answers, for the OpenAPI document (core/api.py writes them and documents the
# shared ones on every route as well).
LIST_ERRORS = {401: Message, 422: ValidationErrors}
READ_ERRORS = {401: Message, 404: Message}
CREATE_ERRORS = {400: Message, 401: Message, 403: Message, 422: ValidationErrors}
WRITE_ERRORS = {400: Message, 401: Message, 403: Message, 404: Message, 422: ValidationErrors}
