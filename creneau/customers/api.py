"""API routes of the customer record: customers, sites, contacts, families.

Handlers stay thin. Every object comes from the visibility selectors, so another rep's
customer, site or contact answers 404 in the path and 422 as a reference in a body. A
visible object that the caller's role may not change answers 403. Writes go through the
services; their French validation errors come back as 422 under the API's field names
(`billing_address.postcode`, `family_id`, `site_id`...).

Updates are partial (PATCH): what a body leaves out keeps its value.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.collation import french_collate
from creneau.core.roles import Role, user_is_direction, user_role
from creneau.customers import services
from creneau.customers.forms import user_sees_bank_details
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.schemas import (
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    FamilyIn,
    FamilyOut,
    FamilyPatch,
    Message,
    SiteFilters,
    SiteIn,
    SiteOut,
    SitePatch,
    bank_detail_as_read,
)
from creneau.customers.selectors import (
    contacts_visible_to,
    customer_get,
    customers_filter,
    customers_visible_to,
    families_list,
    sales_reps,
    sites_visible_to,
)
from creneau.customers.views.common import may_change_activity

router = Router()
customers_router = Router(tags=["customers"])
sites_router = Router(tags=["sites"])
contacts_router = Router(tags=["contacts"])
families_router = Router(tags=["families"])

# Service errors name model fields; the API reports them under the names of its bodies.
CUSTOMER_FIELD_NAMES = {
    **{name: f"billing_address.{name}" for name in Customer.ADDRESS_FIELDS},
    "family": "family_id",
}
SITE_FIELD_NAMES = {
    **{name: f"address.{name}" for name in Site.ADDRESS_FIELDS},
    "customer": "customer_id",
}
CONTACT_FIELD_NAMES = {"customer": "customer_id", "site": "site_id"}
FAMILY_FIELD_NAMES = {NON_FIELD_ERRORS: "name"}

ACTIVE_FILTER = {"true": "1", "false": "0", "all": ""}
DELETE_CUSTOMER_HELP = (
    "Un client sans site est supprimé : réponse 204 sans corps. Un client qui a des sites "
    "est désactivé à la place (son historique reste) : réponse 200 avec le client, "
    "`is_active` valant `false`."
)


def caller(request: HttpRequest) -> User:
    return request.auth


def require_permission(request: HttpRequest, permission: str) -> None:
    if not caller(request).has_perm(permission):
        raise HttpError(403, _("Votre rôle ne permet pas cette action."))


@contextmanager
def api_field_names(names: dict[str, str]) -> Iterator[None]:
    """Re-raise a service's validation error with the fields renamed as in the API body."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {names.get(field, field): errors for field, errors in error.error_dict.items()}
        raise DjangoValidationError(renamed) from error


def reference(queryset: QuerySet, pk: Any, field: str, message: str) -> Model:
    """An object named by id in a body, or a 422 at that field (unknown and invisible alike)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise DjangoValidationError({field: message})
    return found


def body_customer(request: HttpRequest, data: dict[str, Any]) -> Customer:
    """The customer named by `customer_id` in a body (taken out of it), if visible."""
    return reference(
        customers_visible_to(caller(request)),
        data.pop("customer_id"),
        "customer_id",
        _("Client introuvable."),
    )


def flatten_address(data: dict[str, Any], key: str) -> None:
    data.update(data.pop(key, None) or {})


def sales_rep_named(username: str) -> User:
    rep = sales_reps().filter(username=username).first()
    if rep is None:
        raise DjangoValidationError(
            {"sales_rep": _("Commercial inconnu : aucun commercial actif n'a cet identifiant.")}
        )
    return rep


def customer_references(request: HttpRequest, data: dict[str, Any]) -> None:
    """Turn `family_id` and the `sales_rep` username of a body into objects, in place."""
    if "family_id" in data:
        family_id = data.pop("family_id")
        data["family"] = None
        if family_id is not None:
            data["family"] = reference(
                families_list(), family_id, "family_id", _("Famille inconnue.")
            )
    if "sales_rep" in data:
        username = data["sales_rep"]
        data["sales_rep"] = None if username is None else sales_rep_named(username)


def field_refused(field: str, message: str) -> DjangoValidationError:
    return DjangoValidationError({field: message})


def check_sales_rep(user: User, data: dict[str, Any], customer: Customer | None) -> None:
    """Only direction assigns a sales rep, as on the pages; a rep's creations are its own."""
    if "sales_rep" not in data or user_is_direction(user):
        return
    is_rep = user_role(user) == Role.SALES
    created_for = user if is_rep else None
    unchanged = customer.sales_rep if customer is not None else created_for
    if data["sales_rep"] == unchanged:
        return
    if is_rep:  # a rep's customer given to someone else (or nobody) would leave its view
        raise field_refused(
            "sales_rep", _("Un commercial ne peut pas confier un client à quelqu'un d'autre.")
        )
    raise field_refused("sales_rep", _("Seule la direction attribue un commercial."))


def check_bank_details(user: User, data: dict[str, Any], customer: Customer | None) -> None:
    """Who may not see the IBAN and BIC whole may not write them (the pages remove the
    fields); sending back the value as read is not a change."""
    if user_sees_bank_details(user):
        return
    for field in ("iban", "bic"):
        as_read = bank_detail_as_read(customer, field, user) if customer else ""
        if field not in data:
            continue
        if data[field] != as_read:
            raise field_refused(
                field, _("Votre rôle ne permet pas de modifier les coordonnées bancaires.")
            )
        del data[field]  # the masked value must not reach the service


def check_activity(user: User, data: dict[str, Any], customer: Customer | None) -> None:
    if customer is None or data.get("is_active", customer.is_active) == customer.is_active:
        return
    if not may_change_activity(user, customer):
        raise field_refused(
            "is_active", _("Votre rôle ne permet pas d'activer ou de désactiver ce client.")
        )


def check_field_rights(
    request: HttpRequest, data: dict[str, Any], customer: Customer | None = None
) -> None:
    """The pages' rules on who sets what, applied to a body (`customer`: None on creation)."""
    for check in (check_sales_rep, check_bank_details, check_activity):
        check(caller(request), data, customer)


def customer_list_filters(filters: CustomerFilters) -> dict[str, Any]:
    """The API's filters in the form customers_filter() takes (the list page's form)."""
    values = filters.model_dump()
    values["active"] = ACTIVE_FILTER[filters.active]
    if filters.sales_rep and filters.sales_rep != "none":
        values["sales_rep"] = sales_rep_named(filters.sales_rep).pk
    return values


# Customers ----------------------------------------------------------------------------


@customers_router.get(
    "",
    response={200: list[CustomerOut], **LIST_ERRORS},
    summary="Lister les clients",
    operation_id="customers_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> QuerySet[Customer]:
    """Les clients visibles, avec les mêmes filtres que la liste des clients (actifs par défaut)."""
    return customers_filter(user=caller(request), filters=customer_list_filters(filters))


@customers_router.post(
    "",
    response={201: CustomerOut, **CREATE_ERRORS},
    summary="Créer un client",
    operation_id="customers_create",
)
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    """Un nom, un type et une adresse de facturation suffisent ; le client reçoit un code."""
    require_permission(request, "customers.add_customer")
    data = payload.model_dump(exclude_unset=True)
    flatten_address(data, "billing_address")
    with api_field_names(CUSTOMER_FIELD_NAMES):
        customer_references(request, data)
        check_field_rights(request, data)
        customer = services.customer_create(by=caller(request), **data)
    return Status(201, customer)


@customers_router.get(
    "/{customer_id}",
    response={200: CustomerOut, **READ_ERRORS},
    summary="Lire un client",
    operation_id="customers_read",
)
def read_customer(request: HttpRequest, customer_id: DbId) -> Customer:
    return customer_get(user=caller(request), pk=customer_id)


@customers_router.patch(
    "/{customer_id}",
    response={200: CustomerOut, **WRITE_ERRORS},
    summary="Modifier un client",
    operation_id="customers_update",
)
def update_customer(request: HttpRequest, customer_id: DbId, payload: CustomerPatch) -> Customer:
    """Modification partielle : seuls les champs envoyés changent."""
    customer = customer_get(user=caller(request), pk=customer_id)
    require_permission(request, "customers.change_customer")
    data = payload.model_dump(exclude_unset=True)
    flatten_address(data, "billing_address")
    with api_field_names(CUSTOMER_FIELD_NAMES):
        customer_references(request, data)
        check_field_rights(request, data, customer)
        return services.customer_update(customer=customer, by=caller(request), **data)


@customers_router.delete(
    "/{customer_id}",
    response={200: CustomerOut, 204: None, **WRITE_ERRORS},
    summary="Supprimer (ou désactiver) un client",
    description=DELETE_CUSTOMER_HELP,
    operation_id="customers_delete",
)
def delete_customer(request: HttpRequest, customer_id: DbId) -> Status:
    customer = customer_get(user=caller(request), pk=customer_id)
    require_permission(request, "customers.delete_customer")
    if services.customer_delete(customer=customer, by=caller(request)):
        return Status(204, None)
    return Status(200, customer)


# Sites --------------------------------------------------------------------------------


def site_get(request: HttpRequest, site_id: DbId) -> Site:
    return get_object_or_404(
        sites_visible_to(caller(request)).select_related("customer"), pk=site_id
    )


@sites_router.get(
    "",
    response={200: list[SiteOut], **LIST_ERRORS},
    summary="Lister les sites",
    operation_id="sites_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_sites(request: HttpRequest, filters: Query[SiteFilters]) -> QuerySet[Site]:
    sites = sites_visible_to(caller(request))
    if filters.customer_id is not None:
        sites = sites.filter(customer_id=filters.customer_id)
    return sites.order_by("customer_id", french_collate("name"), "id")


@sites_router.post(
    "",
    response={201: SiteOut, **CREATE_ERRORS},
    summary="Créer un site",
    operation_id="sites_create",
)
def create_site(request: HttpRequest, payload: SiteIn) -> Status:
    """Sans `address`, le site prend l'adresse de facturation du client."""
    require_permission(request, "customers.add_site")
    data = payload.model_dump(exclude_unset=True)
    customer = body_customer(request, data)
    flatten_address(data, "address")
    with api_field_names(SITE_FIELD_NAMES):
        site = services.site_create(customer=customer, by=caller(request), **data)
    return Status(201, site)


@sites_router.get(
    "/{site_id}",
    response={200: SiteOut, **READ_ERRORS},
    summary="Lire un site",
    operation_id="sites_read",
)
def read_site(request: HttpRequest, site_id: DbId) -> Site:
    return site_get(request, site_id)


@sites_router.patch(
    "/{site_id}",
    response={200: SiteOut, **WRITE_ERRORS},
    summary="Modifier un site",
    operation_id="sites_update",
)
def update_site(request: HttpRequest, site_id: DbId, payload: SitePatch) -> Site:
    """Modification partielle : seuls les champs envoyés changent."""
    site = site_get(request, site_id)
    require_permission(request, "customers.change_site")
    data = payload.model_dump(exclude_unset=True)
    flatten_address(data, "address")
    with api_field_names(SITE_FIELD_NAMES):
        return services.site_update(site=site, by=caller(request), **data)


@sites_router.delete(
    "/{site_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Supprimer un site",
    operation_id="sites_delete",
)
def delete_site(request: HttpRequest, site_id: DbId) -> Status:
    site = site_get(request, site_id)
    require_permission(request, "customers.delete_site")
    services.site_delete(site=site, by=caller(request))
    return Status(204, None)


# Contacts -----------------------------------------------------------------------------


def contact_get(request: HttpRequest, contact_id: DbId) -> Contact:
    return get_object_or_404(
        contacts_visible_to(caller(request)).select_related("customer"), pk=contact_id
    )


def contact_site(request: HttpRequest, data: dict[str, Any], customer: Customer) -> None:
    """Turn the `site_id` of a body into one of the customer's sites (or none), in place."""
    if "site_id" in data:
        site_id = data.pop("site_id")
        data["site"] = None
        if site_id is not None:
            data["site"] = reference(
                sites_visible_to(caller(request)).filter(customer=customer),
                site_id,
                "site_id",
                _("Ce site n'existe pas chez ce client."),
            )


@contacts_router.get(
    "",
    response={200: list[ContactOut], **LIST_ERRORS},
    summary="Lister les interlocuteurs",
    operation_id="contacts_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> QuerySet[Contact]:
    contacts = contacts_visible_to(caller(request))
    if filters.customer_id is not None:
        contacts = contacts.filter(customer_id=filters.customer_id)
    if filters.site_id is not None:
        contacts = contacts.filter(site_id=filters.site_id)
    return contacts.order_by("customer_id", french_collate("name"), "id")


@contacts_router.post(
    "",
    response={201: ContactOut, **CREATE_ERRORS},
    summary="Créer un interlocuteur",
    operation_id="contacts_create",
)
def create_contact(request: HttpRequest, payload: ContactIn) -> Status:
    require_permission(request, "customers.add_contact")
    data = payload.model_dump(exclude_unset=True)
    customer = body_customer(request, data)
    contact_site(request, data, customer)
    with api_field_names(CONTACT_FIELD_NAMES):
        contact = services.contact_create(customer=customer, by=caller(request), **data)
    return Status(201, contact)


@contacts_router.get(
    "/{contact_id}",
    response={200: ContactOut, **READ_ERRORS},
    summary="Lire un interlocuteur",
    operation_id="contacts_read",
)
def read_contact(request: HttpRequest, contact_id: DbId) -> Contact:
    return contact_get(request, contact_id)


@contacts_router.patch(
    "/{contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Modifier un interlocuteur",
    operation_id="contacts_update",
)
def update_contact(request: HttpRequest, contact_id: DbId, payload: ContactPatch) -> Contact:
    """Modification partielle : seuls les champs envoyés changent."""
    contact = contact_get(request, contact_id)
    require_permission(request, "customers.change_contact")
    data = payload.model_dump(exclude_unset=True)
    contact_site(request, data, contact.customer)
    with api_field_names(CONTACT_FIELD_NAMES):
        return services.contact_update(contact=contact, by=caller(request), **data)


@contacts_router.delete(
    "/{contact_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Supprimer un interlocuteur",
    operation_id="contacts_delete",
)
def delete_contact(request: HttpRequest, contact_id: DbId) -> Status:
    contact = contact_get(request, contact_id)
    require_permission(request, "customers.delete_contact")
    services.contact_delete(contact=contact, by=caller(request))
    return Status(204, None)


# Families: a reference list, read by every role and written by direction only ---------


def family_get(request: HttpRequest, family_id: DbId) -> Family:
    require_permission(request, "customers.view_family")
    return get_object_or_404(families_list(), pk=family_id)


@families_router.get(
    "",
    response={200: list[FamilyOut], 403: Message, **LIST_ERRORS},
    summary="Lister les familles",
    operation_id="families_list",
)
@paginate(BoundedLimitOffsetPagination)
def list_families(request: HttpRequest) -> QuerySet[Family]:
    require_permission(request, "customers.view_family")
    return families_list()


@families_router.post(
    "",
    response={201: FamilyOut, **CREATE_ERRORS},
    summary="Créer une famille",
    operation_id="families_create",
)
def create_family(request: HttpRequest, payload: FamilyIn) -> Status:
    """Réservé à la direction."""
    require_permission(request, "customers.add_family")
    with api_field_names(FAMILY_FIELD_NAMES):
        family = services.family_create(by=caller(request), name=payload.name)
    return Status(201, family)


@families_router.get(
    "/{family_id}",
    response={200: FamilyOut, 403: Message, **READ_ERRORS},
    summary="Lire une famille",
    operation_id="families_read",
)
def read_family(request: HttpRequest, family_id: DbId) -> Family:
    return family_get(request, family_id)


@families_router.patch(
    "/{family_id}",
    response={200: FamilyOut, **WRITE_ERRORS},
    summary="Renommer une famille",
    operation_id="families_update",
)
def update_family(request: HttpRequest, family_id: DbId, payload: FamilyPatch) -> Family:
    """Réservé à la direction."""
    family = family_get(request, family_id)
    require_permission(request, "customers.change_family")
    if payload.name is None:
        return family
    with api_field_names(FAMILY_FIELD_NAMES):
        return services.family_update(family=family, by=caller(request), name=payload.name)


@families_router.delete(
    "/{family_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Supprimer une famille",
    description="Réservé à la direction. Les clients de la famille restent, sans famille.",
    operation_id="families_delete",
)
def delete_family(request: HttpRequest, family_id: DbId) -> Status:
    family = family_get(request, family_id)
    require_permission(request, "customers.delete_family")
    services.family_delete(family=family, by=caller(request))
    return Status(204, None)


router.add_router("/customers", customers_router)
router.add_router("/sites", sites_router)
router.add_router("/contacts", contacts_router)
router.add_router("/families", families_router)
