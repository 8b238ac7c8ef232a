"""Creating a customer: one short form, likely duplicates shown before, an optional first site."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from creneau.customers.forms import CustomerCreateForm, add_service_error
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_duplicates
from creneau.customers.services import customer_create, site_create
from creneau.customers.views.common import record_url, require_permission


def _duplicates(request: HttpRequest, form: CustomerCreateForm) -> list[Customer]:
    # form.instance holds the values as the model's clean() stored them (E.164 phones).
    typed = form.instance
    return list(
        customer_duplicates(
            user=request.user,
            name=typed.name,
            postcode=typed.postcode,
            email=typed.email,
            phones=[typed.phone, typed.mobile],
        )
    )


def _create(request: HttpRequest, form: CustomerCreateForm) -> tuple[Customer, bool]:
    """The customer, and its first site when asked for: both or neither."""
    with transaction.atomic():
        customer = customer_create(by=request.user, **form.service_fields())
        with_site = form.cleaned_data["first_site"]
        if with_site:
            name = form.cleaned_data["first_site_name"].strip() or customer.name
            site_create(customer=customer, by=request.user, name=name)
    return customer, with_site


def customer_create_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "customers.add_customer")
    form = CustomerCreateForm(request.POST or None, user=request.user)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates(request, form)
        unseen = {customer.pk for customer in duplicates} - form.confirmed_duplicate_ids()
        if not unseen:
            try:
                customer, with_site = _create(request, form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Client « %(name)s » créé, code %(code)s.")
                    % {"name": customer.name, "code": customer.code},
                )
                return redirect(record_url(customer, "sites" if with_site else ""))
    return render(
        request,
        "customers/customer_create.html",
        {
            "form": form,
            "duplicates": duplicates,
            "duplicate_ids": ",".join(str(customer.pk) for customer in duplicates),
        },
    )
