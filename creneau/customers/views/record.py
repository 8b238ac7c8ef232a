"""The record page, its header actions, and the general, observations and history tabs."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.customers.forms import (
    CustomerForm,
    NotesForm,
    add_service_error,
    user_sees_bank_details,
)
from creneau.customers.history import history_entries
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get, customer_history
from creneau.customers.services import customer_delete, customer_update
from creneau.customers.views.common import (
    may_change_activity,
    record_page,
    record_url,
    require_permission,
    respond_saved,
    respond_tab,
    tab_html,
    visible_tabs,
)

HISTORY_PAGE_SIZE = 20


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The record page; ?tab= names the open tab, so that a reload keeps it."""
    customer = customer_get(user=request.user, pk=pk)
    tabs = visible_tabs(request.user)
    if not tabs:
        return record_page(request, customer, active="", pane_html="")
    tab = next((tab for tab in tabs if tab.key == request.GET.get("tab")), tabs[0])
    return record_page(
        request, customer, active=tab.key, pane_html=tab_html(request, customer, tab)
    )


@require_POST
def customer_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    if not may_change_activity(request.user, customer):
        raise PermissionDenied
    customer_update(customer=customer, by=request.user, is_active=not customer.is_active)
    if customer.is_active:
        messages.success(request, _("Client réactivé."))
    else:
        messages.success(request, _("Client désactivé : il n'apparaît plus parmi les actifs."))
    return redirect(record_url(customer))


@require_POST
def customer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a customer; one with sites is deactivated instead, to keep its history."""
    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, "customers.delete_customer")
    name = customer.name
    if customer_delete(customer=customer, by=request.user):
        messages.success(request, _("Client « %(name)s » supprimé.") % {"name": name})
        return redirect("customers:list")
    messages.warning(
        request,
        _(
            "« %(name)s » a des sites : il a été désactivé plutôt que supprimé, "
            "pour garder son historique."
        )
        % {"name": name},
    )
    return redirect(record_url(customer))


def _general(request: HttpRequest, customer: Customer) -> dict:
    return {"sees_bank_details": user_sees_bank_details(request.user)}


def tab_general(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    return respond_tab(
        request,
        customer,
        tab="general",
        template="customers/tabs/general.html",
        context=_general(request, customer),
    )


def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The general tab in edit mode; saving shows the read view again."""
    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, "customers.change_customer")
    # The form works on a copy: the service compares the customer before and after.
    form = CustomerForm(request.POST or None, instance=copy.copy(customer), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, by=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return respond_saved(
                request,
                customer,
                message=_("Enregistré."),
                tab="general",
                template="customers/tabs/general.html",
                context=_general(request, customer),
                refresh_header=True,
            )
    return respond_tab(
        request,
        customer,
        tab="general",
        template="customers/tabs/general_form.html",
        context={"form": form},
    )


def _notes(customer: Customer) -> dict:
    """The observations, and below them what the customer wrote from the portal (the
    portal is below customers: its selector is read at call time)."""
    messages_of = import_string("creneau.portal.selectors_staff.portal_messages_of")
    return {"portal_messages": messages_of(customer=customer)}


def tab_notes(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    return respond_tab(
        request,
        customer,
        tab="notes",
        template="customers/tabs/notes.html",
        context=_notes(customer),
    )


def notes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, "customers.change_customer")
    form = NotesForm(request.POST or None, instance=copy.copy(customer))
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, by=request.user, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return respond_saved(
                request,
                customer,
                message=_("Enregistré."),
                tab="notes",
                template="customers/tabs/notes.html",
                context=_notes(customer),
            )
    return respond_tab(
        request,
        customer,
        tab="notes",
        template="customers/tabs/notes_form.html",
        context={"form": form},
    )


def tab_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what and when, for the customer, its sites and its contacts."""
    customer = customer_get(user=request.user, pk=pk)
    page = Paginator(customer_history(customer=customer), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return respond_tab(
        request,
        customer,
        tab="history",
        template="customers/tabs/history.html",
        context={
            "page": page,
            "entries": history_entries(
                page.object_list, reveal_bank=user_sees_bank_details(request.user)
            ),
        },
    )
