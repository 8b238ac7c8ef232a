"""The sites tab: the customer's sites, added, edited, (de)activated and deleted in place."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.collation import french_collate
from creneau.customers.forms import InvoiceRecipientForm, SiteForm, add_service_error
from creneau.customers.models import Customer, Site
from creneau.customers.selectors import customer_get, sites_visible_to
from creneau.customers.services import site_create, site_delete, site_update
from creneau.customers.views.common import (
    record_url,
    require_permission,
    respond_saved,
    respond_tab,
)
from creneau.customers.views.recipients import recipient_groups

TEMPLATE = "customers/tabs/sites.html"


def _context(
    request: HttpRequest,
    customer: Customer,
    *,
    form: SiteForm | None = None,
    editing: int = 0,
    recipient_form: InvoiceRecipientForm | None = None,
) -> dict:
    sites = list(
        sites_visible_to(request.user)
        .filter(customer=customer)
        .order_by("-is_active", "billing_group", french_collate("name"), "id")
    )
    groups = sorted({site.billing_group for site in sites if site.is_active})
    return {
        "sites": sites,
        "billing_groups": groups,
        "form": form,
        "editing": editing,
        "billing_group_help": Site._meta.get_field("billing_group").help_text,
        # The invoice recipients, beside the groups (views/recipients.py).
        "recipient_groups": recipient_groups(customer, sites),
        "recipient_form": recipient_form,
    }


def _site(request: HttpRequest, customer: Customer, site_pk: int) -> Site:
    site = get_object_or_404(sites_visible_to(request.user), pk=site_pk, customer=customer)
    site.customer = customer  # already fetched: saves a query in the services
    return site


def respond(request: HttpRequest, customer: Customer, **context) -> HttpResponse:
    return respond_tab(
        request,
        customer,
        tab="sites",
        template=TEMPLATE,
        context=_context(request, customer, **context),
    )


def saved(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    return respond_saved(
        request,
        customer,
        message=message,
        tab="sites",
        template=TEMPLATE,
        context=_context(request, customer),
    )


def tab_sites(request: HttpRequest, pk: int) -> HttpResponse:
    return respond(request, customer_get(user=request.user, pk=pk))


def site_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, "customers.add_site")
    form = SiteForm(request.POST or None, instance=Site(customer=customer))
    if request.method == "POST" and form.is_valid():
        try:
            site = site_create(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return saved(request, customer, _("Site « %(name)s » ajouté.") % {"name": site.name})
    return respond(request, customer, form=form)


def site_edit(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    site = _site(request, customer, site_pk)
    require_permission(request.user, "customers.change_site")
    # The form works on a copy: the service compares the site before and after.
    form = SiteForm(request.POST or None, instance=copy.copy(site))
    if request.method == "POST" and form.is_valid():
        try:
            site_update(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return saved(request, customer, _("Enregistré."))
    return respond(request, customer, form=form, editing=site.pk)


@require_POST
def site_toggle_active(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    site = _site(request, customer, site_pk)
    require_permission(request.user, "customers.change_site")
    site_update(site=site, by=request.user, is_active=not site.is_active)
    message = _("Site réactivé.") if site.is_active else _("Site désactivé.")
    return saved(request, customer, message)


@require_POST
def site_delete_view(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    site = _site(request, customer, site_pk)
    require_permission(request.user, "customers.delete_site")
    try:
        site_delete(site=site, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if not request.htmx:
            return redirect(record_url(customer, "sites"))
        return respond_tab(
            request, customer, tab="sites", template=TEMPLATE, context=_context(request, customer)
        )
    return saved(request, customer, _("Site « %(name)s » supprimé.") % {"name": site.name})
