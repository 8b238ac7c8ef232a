"""The contacts tab (interlocuteurs): listed, added, edited and deleted in place."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.collation import french_collate
from creneau.customers.forms import ContactForm, add_service_error
from creneau.customers.models import Contact, Customer
from creneau.customers.selectors import contacts_visible_to, customer_get, sites_visible_to
from creneau.customers.services import contact_create, contact_delete, contact_update
from creneau.customers.views.common import require_permission, respond_saved, respond_tab

TEMPLATE = "customers/tabs/contacts.html"


def _context(
    request: HttpRequest, customer: Customer, *, form: ContactForm | None = None, editing: int = 0
) -> dict:
    contacts = list(
        contacts_visible_to(request.user)
        .filter(customer=customer)
        .select_related("site")
        .order_by(french_collate("name"), "id")
    )
    return {"contacts": contacts, "form": form, "editing": editing}


def _form(request: HttpRequest, customer: Customer, contact: Contact) -> ContactForm:
    sites = (
        sites_visible_to(request.user)
        .filter(customer=customer)
        .order_by(french_collate("name"), "id")
    )
    return ContactForm(request.POST or None, instance=contact, sites=sites)


def _contact(request: HttpRequest, customer: Customer, contact_pk: int) -> Contact:
    return get_object_or_404(
        contacts_visible_to(request.user).select_related("customer"),
        pk=contact_pk,
        customer=customer,
    )


def _respond(request: HttpRequest, customer: Customer, **context) -> HttpResponse:
    return respond_tab(
        request,
        customer,
        tab="contacts",
        template=TEMPLATE,
        context=_context(request, customer, **context),
    )


def _saved(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    return respond_saved(
        request,
        customer,
        message=message,
        tab="contacts",
        template=TEMPLATE,
        context=_context(request, customer),
    )


def tab_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    return _respond(request, customer_get(user=request.user, pk=pk))


def contact_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, "customers.add_contact")
    form = _form(request, customer, Contact(customer=customer))
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_create(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            message = _("Interlocuteur « %(name)s » ajouté.") % {"name": contact.name}
            return _saved(request, customer, message)
    return _respond(request, customer, form=form)


def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    contact = _contact(request, customer, contact_pk)
    require_permission(request.user, "customers.change_contact")
    # The form works on a copy: the service compares the contact before and after.
    form = _form(request, customer, copy.copy(contact))
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(contact=contact, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _saved(request, customer, _("Enregistré."))
    return _respond(request, customer, form=form, editing=contact.pk)


@require_POST
def contact_delete_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    contact = _contact(request, customer, contact_pk)
    require_permission(request.user, "customers.delete_contact")
    contact_delete(contact=contact, by=request.user)
    message = _("Interlocuteur « %(name)s » supprimé.") % {"name": contact.name}
    return _saved(request, customer, message)
