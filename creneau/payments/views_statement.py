"""The customer statement's pages: its form on the record's "Factures et règlements" tab
(du / au), the PDF download (whoever sees payments), and the e-mail to the customer's
reminder recipients (whoever records payments)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creneau.billing.views.common import errors_to_form
from creneau.core.pdf import pdf_response
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.payments.forms_statement import StatementPeriodForm
from creneau.payments.print.statement import statement_filename, statement_pdf
from creneau.payments.rules import user_may_record_payments, user_sees_payments
from creneau.payments.statement import customer_statement
from creneau.payments.statement_sending import statement_recipients_for, statement_send


def require_reader(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404


def require_writer(request: HttpRequest) -> None:
    """Fetch the customer first: another rep's answers 404 before this 403."""
    if not user_may_record_payments(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas d'envoyer un relevé de compte."))


def statement_context(
    request: HttpRequest, customer: Customer, form: StatementPeriodForm | None = None
) -> dict[str, Any]:
    """What the statement's form needs, on the tab or its own page (one query)."""
    return {
        "statement_form": form or StatementPeriodForm(),
        "statement_recipients": statement_recipients_for(customer),
        "can_record": user_may_record_payments(request.user),
    }


def _page(request: HttpRequest, customer: Customer, form: StatementPeriodForm) -> HttpResponse:
    context = {"customer": customer, **statement_context(request, customer, form)}
    # 200 with the errors at the field, as every form: a 422 page is a console error.
    return render(request, "payments/statement.html", context)


@require_GET
def statement_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement's form on a page of its own (where the download's errors show)."""
    customer = customer_get(user=request.user, pk=pk)
    require_reader(request)
    return _page(request, customer, StatementPeriodForm())


@require_GET
def statement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Télécharger le PDF: ?start=&end= (ISO dates; empty, the current year to today)."""
    customer = customer_get(user=request.user, pk=pk)
    require_reader(request)
    form = StatementPeriodForm(request.GET)
    if not form.is_valid():
        return _page(request, customer, form)
    start, end = form.period()
    try:
        statement = customer_statement(customer=customer, start=start, end=end)
    except ValidationError as error:  # too many lines for one PDF
        errors_to_form(form, error)
        return _page(request, customer, form)
    return pdf_response(statement_pdf(statement=statement), statement_filename(statement), False)


@require_POST
def statement_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Envoyer par e-mail: through the outbox, to statement_recipients_for(customer). From
    the tab (htmx), the form comes back with the outcome; otherwise, the record."""
    customer = customer_get(user=request.user, pk=pk)
    require_reader(request)  # planning sees no payments at all: 404, as on the tab
    require_writer(request)
    form = StatementPeriodForm(request.POST)
    email = None
    if form.is_valid():
        start, end = form.period()
        try:
            email = statement_send(customer=customer, start=start, end=end, by=request.user)
        except ValidationError as error:
            errors_to_form(form, error)
    if not request.htmx:
        if email is None:
            return _page(request, customer, form)
        messages.success(
            request, _("Relevé de compte envoyé à %(to)s.") % {"to": ", ".join(email.to)}
        )
        return redirect(reverse("customers:detail", args=[customer.pk]) + "?tab=invoices")
    context = {
        "customer": customer,
        **statement_context(request, customer, form),
        "statement_sent_to": ", ".join(email.to) if email is not None else "",
    }
    # 200 with the errors at the fields, as the record's other htmx forms answer.
    return render(request, "payments/partials/statement_form.html", context)
