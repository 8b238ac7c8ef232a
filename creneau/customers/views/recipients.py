"""The invoice recipients (destinataires de facturation), in the sites tab beside the
billing groups: added (the form opens in place, like a site's) and removed in place."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.customers.forms import InvoiceRecipientForm, add_service_error
from creneau.customers.models import Customer, InvoiceRecipient, Site
from creneau.customers.selectors import contacts_visible_to, customer_get, invoice_recipients_of
from creneau.customers.services import invoice_recipient_add, invoice_recipient_delete
from creneau.customers.views.common import require_permission

# Invoices and reminders are the billing side of the record: the same right as changing
# the customer (direction, accounting, the customer's sales rep).
PERMISSION = "customers.change_customer"


def recipient_groups(customer: Customer, sites: list[Site]) -> list[dict]:
    """Per billing group (of the active sites, and of any recipient), its recipients."""
    recipients = list(invoice_recipients_of(customer=customer))
    groups = {site.billing_group for site in sites if site.is_active}
    groups |= {recipient.billing_group for recipient in recipients}
    return [
        {"group": group, "recipients": [r for r in recipients if r.billing_group == group]}
        for group in sorted(groups)
    ]


def _form(request: HttpRequest, customer: Customer) -> InvoiceRecipientForm:
    """The add form: offered the customer's contacts; a posted one is checked against every
    contact the user sees, so that another customer's is named as such by the service."""
    contacts = contacts_visible_to(request.user).order_by("name", "id")
    if request.method != "POST":
        groups = sorted(
            set(customer.sites.filter(is_active=True).values_list("billing_group", flat=True))
        )
        return InvoiceRecipientForm(
            contacts=contacts.filter(customer=customer),
            initial={"billing_group": groups[0] if groups else "A"},
            prefix="recipient",
        )
    return InvoiceRecipientForm(request.POST, contacts=contacts, prefix="recipient")


def recipient_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    from creneau.customers.views import sites  # it imports this module

    customer = customer_get(user=request.user, pk=pk)
    require_permission(request.user, PERMISSION)
    form = _form(request, customer)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = invoice_recipient_add(
                customer=customer, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            message = _("%(address)s recevra les envois du groupe %(group)s.") % {
                "address": recipient.address,
                "group": recipient.billing_group,
            }
            return sites.saved(request, customer, message)
    # Offer the customer's own contacts again, whatever was posted.
    form.fields["contact"].queryset = form.fields["contact"].queryset.filter(customer=customer)
    return sites.respond(request, customer, recipient_form=form)


@require_POST
def recipient_delete_view(request: HttpRequest, pk: int, recipient_pk: int) -> HttpResponse:
    from creneau.customers.views import sites  # it imports this module

    customer = customer_get(user=request.user, pk=pk)
    recipient = get_object_or_404(
        InvoiceRecipient.objects.select_related("contact"), pk=recipient_pk, customer=customer
    )
    require_permission(request.user, PERMISSION)
    recipient.customer = customer
    invoice_recipient_delete(recipient=recipient, by=request.user)
    return sites.saved(
        request,
        customer,
        _("%(address)s ne reçoit plus les envois du groupe %(group)s.")
        % {"address": recipient.address, "group": recipient.billing_group},
    )
