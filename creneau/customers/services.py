"""Writes of customer data. Each one validates, writes in one transaction and records
who did it in the audit trail. Callers (views, API, commands) have already checked that
the acting user may see the customer, through the selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, user_role
from creneau.core.services import (
    audit_record,
    counter_next,
    fields_apply,
    model_changes,
    model_snapshot,
)
from creneau.customers.models import Contact, Customer, Family, InvoiceRecipient, Site
from creneau.customers.selectors import customer_name_key, customer_search_text

CUSTOMER_FIELDS = [
    "kind", "name", "street", "postcode", "city", "country", "phone", "mobile", "email",
    "family", "sales_rep", "notes", "siret", "vat_number", "iban", "bic", "accounting_code",
    "payment_terms_days", "visit_reminders", "is_active",
]  # fmt: skip
SITE_FIELDS = [
    "name", "street", "postcode", "city", "country", "access_notes", "billing_group", "is_active",
]  # fmt: skip
CONTACT_FIELDS = ["name", "role", "site", "phone", "mobile", "email"]


def customer_refresh_search(*, customer: Customer) -> None:
    """Recompute the text the search box matches and the name's sort key (after the
    customer or a site changed)."""
    text, key = customer_search_text(customer), customer_name_key(customer.name)
    Customer.objects.filter(pk=customer.pk).update(search_text=text, name_key=key)
    customer.search_text, customer.name_key = text, key


def customer_create(*, by: User | None, **fields: Any) -> Customer:
    """Create a customer from a name, a kind and a billing address; the rest is optional.

    It gets the next customer code (C00001...) and, unless given, the accounting code
    411 + code. A sales rep who creates a customer without naming a rep owns it.
    """
    customer = Customer()
    fields_apply(customer, fields, CUSTOMER_FIELDS)
    if "sales_rep" not in fields and user_role(by) == Role.SALES:
        customer.sales_rep = by
    with transaction.atomic():
        customer.code = f"C{counter_next(name='customer'):05d}"
        if not customer.accounting_code:
            customer.accounting_code = f"411{customer.code}"
        customer.full_clean()
        customer.search_text = customer_search_text(customer, sites=[])
        customer.name_key = customer_name_key(customer.name)
        customer.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=customer, customer=customer)
    return customer


def customer_update(*, customer: Customer, by: User | None, **fields: Any) -> Customer:
    """Change some fields of a customer; the history records each field's old and new value."""
    before = model_snapshot(customer, CUSTOMER_FIELDS)
    fields_apply(customer, fields, CUSTOMER_FIELDS)
    customer.full_clean()
    changes = model_changes(before, model_snapshot(customer, CUSTOMER_FIELDS))
    if not changes:
        return customer
    with transaction.atomic():
        customer.save()
        customer_refresh_search(customer=customer)
        action = (
            AuditEvent.Action.DEACTIVATE
            if changes.get("is_active") == [True, False]
            else AuditEvent.Action.UPDATE
        )
        audit_record(by=by, action=action, instance=customer, customer=customer, changes=changes)
    return customer


def customer_delete(*, customer: Customer, by: User | None) -> bool:
    """Delete a customer that has no site, document or quote; one with any is deactivated
    instead, so that its history (quotes, later its invoices) stays. Returns True if
    deleted."""
    kept = (customer.sites, customer.documents, customer.quotes, customer.invoices)
    if any(related.exists() for related in kept):
        customer_update(customer=customer, by=by, is_active=False)
        return False
    with transaction.atomic():
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=customer, customer=customer)
        customer.delete()
    return True


def site_create(*, customer: Customer, by: User | None, **fields: Any) -> Site:
    """Add a site to a customer. An empty address takes the customer's billing address."""
    site = Site(customer=customer)
    fields_apply(site, fields, SITE_FIELDS)
    if not (site.street or site.postcode or site.city):
        for name in Site.ADDRESS_FIELDS:
            setattr(site, name, getattr(customer, name))
    site.billing_group = (site.billing_group or "A").upper()
    site.full_clean()
    with transaction.atomic():
        site.save()
        customer_refresh_search(customer=customer)
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=site, customer=customer)
    return site


def site_update(*, site: Site, by: User | None, **fields: Any) -> Site:
    before = model_snapshot(site, SITE_FIELDS)
    fields_apply(site, fields, SITE_FIELDS)
    site.billing_group = (site.billing_group or "").upper()
    site.full_clean()
    changes = model_changes(before, model_snapshot(site, SITE_FIELDS))
    if not changes:
        return site
    with transaction.atomic():
        site.save()
        customer_refresh_search(customer=site.customer)
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=site,
            customer=site.customer,
            changes=changes,
        )
    return site


def site_delete(*, site: Site, by: User | None) -> None:
    """Delete a site; one that quotes or invoices name is kept (their PDFs and history
    need it)."""
    if site.quotes.exists():
        raise ValidationError(_("Ce site figure sur des devis : désactivez-le plutôt."))
    if site.invoices.exists():
        raise ValidationError(_("Ce site figure sur des factures : désactivez-le plutôt."))
    customer = site.customer
    with transaction.atomic():
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=site, customer=customer)
        site.delete()
        customer_refresh_search(customer=customer)


def contact_create(*, customer: Customer, by: User | None, **fields: Any) -> Contact:
    contact = Contact(customer=customer)
    fields_apply(contact, fields, CONTACT_FIELDS)
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=contact, customer=customer)
    return contact


def contact_update(*, contact: Contact, by: User | None, **fields: Any) -> Contact:
    before = model_snapshot(contact, CONTACT_FIELDS)
    fields_apply(contact, fields, CONTACT_FIELDS)
    contact.full_clean()
    changes = model_changes(before, model_snapshot(contact, CONTACT_FIELDS))
    if not changes:
        return contact
    with transaction.atomic():
        contact.save()
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=contact,
            customer=contact.customer,
            changes=changes,
        )
    return contact


def contact_delete(*, contact: Contact, by: User | None) -> None:
    with transaction.atomic():
        audit_record(
            by=by, action=AuditEvent.Action.DELETE, instance=contact, customer=contact.customer
        )
        contact.delete()


def family_create(*, by: User | None, name: str) -> Family:
    family = Family(name=name.strip())
    family.full_clean()
    with transaction.atomic():
        family.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=family)
    return family


def family_update(*, family: Family, by: User | None, name: str) -> Family:
    before = model_snapshot(family, ["name"])
    family.name = name.strip()
    family.full_clean()
    with transaction.atomic():
        family.save()
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=family,
            changes=model_changes(before, model_snapshot(family, ["name"])),
        )
    return family


def family_delete(*, family: Family, by: User | None) -> None:
    """Delete a family; its customers keep existing, with no family."""
    with transaction.atomic():
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=family)
        family.delete()


def invoice_recipient_add(
    *,
    customer: Customer,
    by: User | None,
    billing_group: str,
    contact: Contact | None = None,
    email: str = "",
    for_invoices: bool = True,
    for_reminders: bool = True,
) -> InvoiceRecipient:
    """Add who receives a billing group's invoices and/or reminders: one of the customer's
    contacts (with an e-mail address), or a plain address. Once per group and address."""
    recipient = InvoiceRecipient(
        customer=customer,
        billing_group=(billing_group or "").strip(),
        contact=contact,
        email=(email or "").strip(),
        for_invoices=for_invoices,
        for_reminders=for_reminders,
    )
    recipient.full_clean()
    if contact is not None and not contact.email:
        raise ValidationError(
            {"contact": _("Cet interlocuteur n'a pas d'adresse e-mail : complétez sa fiche.")}
        )
    groups = set(customer.sites.values_list("billing_group", flat=True)) or {"A"}
    if recipient.billing_group not in groups:
        message = _("Ce client n'a pas de site dans le groupe %(group)s (groupes : %(groups)s).")
        values = {"group": recipient.billing_group, "groups": ", ".join(sorted(groups))}
        raise ValidationError({"billing_group": message % values})
    field = "contact" if contact is not None else "email"
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        others = InvoiceRecipient.objects.filter(
            customer=customer, billing_group=recipient.billing_group
        ).select_related("contact")
        if any(other.address.lower() == recipient.address.lower() for other in others):
            message = _("Cette adresse reçoit déjà les envois du groupe %(group)s.")
            raise ValidationError({field: message % {"group": recipient.billing_group}})
        recipient.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=recipient, customer=customer)
    return recipient


def invoice_recipient_delete(*, recipient: InvoiceRecipient, by: User | None) -> None:
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditEvent.Action.DELETE,
            instance=recipient,
            customer=recipient.customer,
        )
        recipient.delete()
