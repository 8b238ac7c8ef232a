"""A payment's credit (what is neither allocated nor refunded): Affecter it to the
customer's invoices, or Rembourser it. Both from the record's "Factures et règlements" tab,
for the roles that record payments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from creneau.billing.views.common import errors_to_form
from creneau.core.templatetags.creneau import money
from creneau.payments.forms_credit import AllocateForm, RefundForm
from creneau.payments.models import Payment
from creneau.payments.once import once_remember, once_token, once_used
from creneau.payments.selectors import payments_visible_to
from creneau.payments.services import payment_allocate, payment_credit, refund_create
from creneau.payments.views import _open_invoices, require_reader, require_writer


def _payment(request: HttpRequest, pk: int) -> Payment:
    require_reader(request)
    payment = get_object_or_404(payments_visible_to(request.user).select_related("customer"), pk=pk)
    require_writer(request)
    return payment


def _tab(payment: Payment) -> str:
    return reverse("customers:detail", args=[payment.customer_id]) + "?tab=invoices"


def payment_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rembourser: pay back part or all of the payment's credit to the customer."""
    payment = _payment(request, pk)
    if request.method == "POST" and once_used(request):
        messages.info(request, _("Ce remboursement était déjà enregistré : rien n'a été ajouté."))
        return redirect(_tab(payment))
    credit = payment_credit(payment)
    form = RefundForm(request.POST or None, initial={"amount": credit})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            refund = refund_create(
                payment=payment,
                by=request.user,
                amount=data["amount"],
                date=data["date"],
                method=data["method"],
                reference=data["reference"],
                reason=data["reason"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            once_remember(request)
            message = _("Remboursement de %(amount)s enregistré.")
            messages.success(request, message % {"amount": money(refund.amount)})
            return redirect(_tab(payment))
    context = {
        "payment": payment,
        "customer": payment.customer,
        "form": form,
        "credit": credit,
        "once": once_token(request),
    }
    return render(request, "payments/payment_refund.html", context)


def payment_allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Affecter: the payment's credit to the customer's invoices, by hand or oldest due
    first."""
    payment = _payment(request, pk)
    credit = payment_credit(payment)
    invoices = _open_invoices(payment.customer)
    form = AllocateForm(request.POST or None, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        try:
            made = payment_allocate(
                payment=payment, by=request.user, allocations=form.allocations()
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            total = sum(allocation.amount for allocation in made)
            if made:
                messages.success(request, _("%(amount)s affectés.") % {"amount": money(total)})
            else:
                messages.info(request, _("Aucune facture à régler : l'avoir reste entier."))
            return redirect(_tab(payment))
    context = {
        "payment": payment,
        "customer": payment.customer,
        "form": form,
        "credit": credit,
    }
    return render(request, "payments/payment_allocate.html", context)
