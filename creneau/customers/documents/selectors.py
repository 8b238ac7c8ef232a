"""Reads of documents, all built on customers_visible_to(): a document of a customer the
user cannot see does not exist for that user (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from creneau.core.collation import french_collate
from creneau.customers.models import Customer, Document, Site
from creneau.customers.selectors import AnyUser, customers_visible_to


def documents_visible_to(user: AnyUser) -> QuerySet[Document]:
    return Document.objects.filter(customer__in=customers_visible_to(user))


def document_get(*, user: AnyUser, pk: int) -> Document:
    """One document of a visible customer, or 404."""
    return get_object_or_404(
        documents_visible_to(user).select_related("customer", "site", "uploaded_by"), pk=pk
    )


def customer_documents(*, customer: Customer, filters: dict[str, Any]) -> QuerySet[Document]:
    """The documents of one (already visible) customer, newest first.

    filters: kind (a Document.Kind value), site (a site id, or "none" for the documents
    attached to no site). Unknown values are ignored rather than failing the page.
    """
    documents = customer.documents.select_related("site", "uploaded_by")
    kind = filters.get("kind") or ""
    if kind in Document.Kind.values:
        documents = documents.filter(kind=kind)
    site = str(filters.get("site") or "")
    if site == "none":
        documents = documents.filter(site__isnull=True)
    elif site.isdigit():
        documents = documents.filter(site_id=int(site))
    return documents.order_by("-uploaded_at", "-id")


def customer_document_sites(*, customer: Customer) -> QuerySet[Site]:
    """The sites a document of this customer may belong to."""
    return customer.sites.order_by(french_collate("name"), "id")
