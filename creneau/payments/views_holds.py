"""The dunning on an invoice and a customer record: suspend and resume its reminders (a
hold, with a reason and an optional end date), and the reminders sent, each with its text
as sent (a page per reminder).

The invoice page is billing's, which does not import payments: it loads the "Relances"
card from here (htmx, `payments:invoice_dunning`), and the card's answer fills the page's
"Relances suspendues" badge out of band."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creneau.billing.models import Invoice
from creneau.billing.selectors import invoice_get
from creneau.billing.views.common import errors_to_form
from creneau.core.roles import user_sees_outbox
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.customers.views.common import record_url
from creneau.payments.forms_dunning import HoldForm
from creneau.payments.history import (
    customer_reminders_sent,
    invoice_reminders_sent,
    reminder_get,
)
from creneau.payments.holds import (
    hold_create,
    hold_in_force,
    hold_release_in_force,
    holds_in_force,
    holds_of,
)
from creneau.payments.rules import user_may_hold_dunning, user_sees_payments

REMINDERS_PER_PAGE = 10
PAST_HOLDS = 5


def _require_reader(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404


def _require_holder(request: HttpRequest) -> None:
    """Fetch the invoice or customer first: another rep's answers 404 before this 403."""
    if not user_may_hold_dunning(request.user):
        raise PermissionDenied(
            _("Votre rôle ne permet pas de suspendre ni de reprendre les relances.")
        )


def _past(holds, current) -> list:
    return [hold for hold in holds[: PAST_HOLDS + 1] if current is None or hold.pk != current.pk][
        :PAST_HOLDS
    ]


def _form_errors_to_messages(request: HttpRequest, form: HoldForm | None) -> None:
    """Without htmx the page is reloaded: the form's errors go as messages."""
    if form is not None:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))


def _hold_post(request: HttpRequest, respond, success: str, **target) -> HttpResponse:
    """Suspend (the invoice= or customer= target), then `respond(form or None)`."""
    _require_reader(request)
    _require_holder(request)
    form = HoldForm(request.POST)
    if form.is_valid():
        try:
            hold_create(by=request.user, **target, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, success)
            return respond(None)
    return respond(form)


def _release_post(request: HttpRequest, respond, success: str, **target) -> HttpResponse:
    """Resume (the invoice= or customer= target), then `respond(None)`."""
    _require_reader(request)
    _require_holder(request)
    try:
        hold_release_in_force(by=request.user, **target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return respond(None)


# The invoice page's card ---------------------------------------------------------------


def _invoice_card(
    request: HttpRequest, invoice: Invoice, *, form: HoldForm | None = None, saved: bool = False
) -> HttpResponse:
    """The card; `saved` (after a hold or a release) adds the page's messages out of band.
    Not when the card merely loads: that would wipe the flash the page opened with
    ("Facture émise")."""
    own_hold = hold_in_force(invoice=invoice)
    customer_hold = hold_in_force(customer=invoice.customer)
    html = render_to_string(
        "payments/invoice_dunning.html",
        {
            "invoice": invoice,
            "own_hold": own_hold,
            "customer_hold": customer_hold,
            "past_holds": _past(holds_of(invoice=invoice), own_hold),
            "reminders": list(invoice_reminders_sent(invoice)),
            "can_hold": user_may_hold_dunning(request.user),
            "form": form or HoldForm(),
            "form_open": form is not None and bool(form.errors),
        },
        request,
    )
    if request.htmx and saved:
        html += render_to_string("components/htmx_messages.html", request=request)
    return HttpResponse(html)


@require_GET
def invoice_dunning(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice page's "Relances" card: the hold in force (its own or its customer's),
    Suspendre / Reprendre, and the reminders sent for it."""
    invoice = invoice_get(user=request.user, pk=pk)
    _require_reader(request)
    return _invoice_card(request, invoice)


def _after_invoice_write(request: HttpRequest, invoice: Invoice, form=None) -> HttpResponse:
    if request.htmx:
        return _invoice_card(request, invoice, form=form, saved=True)
    _form_errors_to_messages(request, form)
    return redirect("billing:detail", pk=invoice.pk)


@require_POST
def invoice_hold(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get(user=request.user, pk=pk)
    return _hold_post(
        request,
        lambda form: _after_invoice_write(request, invoice, form),
        _("Relances de cette facture suspendues."),
        invoice=invoice,
    )


@require_POST
def invoice_release(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get(user=request.user, pk=pk)
    return _release_post(
        request,
        lambda form: _after_invoice_write(request, invoice, form),
        _("Relances de cette facture reprises."),
        invoice=invoice,
    )


# The customer record's tab -------------------------------------------------------------


def customer_dunning_context(
    request: HttpRequest, customer: Customer, *, hold_form: HoldForm | None = None
) -> dict:
    """The dunning part of the "Factures et règlements" tab (payments.views)."""
    hold = hold_in_force(customer=customer)
    reminders = Paginator(customer_reminders_sent(customer), REMINDERS_PER_PAGE).get_page(
        request.GET.get("reminders_page")
    )
    return {
        "customer_hold": hold,
        "customer_past_holds": _past(holds_of(customer=customer), hold),
        "held_invoices": list(
            holds_in_force()
            .filter(invoice__customer=customer)
            .select_related("invoice")
            .order_by("invoice__due_date", "invoice_id")[:50]
        ),
        "reminders": reminders,
        "can_hold": user_may_hold_dunning(request.user),
        "hold_form": hold_form or HoldForm(),
        "hold_form_open": hold_form is not None and bool(hold_form.errors),
    }


def _customer_tab(request: HttpRequest, customer: Customer, form: HoldForm | None = None):
    # Imported here: views.py builds the whole tab and imports this module's context.
    from creneau.customers.views.common import respond_tab
    from creneau.payments.views import tab_customer_context

    if not request.htmx:
        _form_errors_to_messages(request, form)
        return redirect(record_url(customer, "invoices"))
    return respond_tab(
        request,
        customer,
        tab="invoices",
        template="payments/tab_customer.html",
        context=tab_customer_context(request, customer, hold_form=form),
    )


@require_POST
def customer_hold(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    return _hold_post(
        request,
        lambda form: _customer_tab(request, customer, form),
        _("Relances de ce client suspendues."),
        customer=customer,
    )


@require_POST
def customer_release(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    return _release_post(
        request,
        lambda form: _customer_tab(request, customer, form),
        _("Relances de ce client reprises."),
        customer=customer,
    )


# A reminder sent -----------------------------------------------------------------------


@require_GET
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A reminder as it was sent: level, channel, recipients, the invoices it chased with
    their amounts and fees, its subject and text, and its e-mail in the outbox."""
    reminder = reminder_get(user=request.user, pk=pk)
    items = list(reminder.items.all())
    return render(
        request,
        "payments/reminder_detail.html",
        {
            "reminder": reminder,
            "customer": reminder.customer,
            "items": items,
            "sees_outbox": user_sees_outbox(request.user),
            "back": reverse("customers:detail", args=[reminder.customer_id]) + "?tab=invoices",
        },
    )
