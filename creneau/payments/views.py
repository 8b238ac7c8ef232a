"""The payment pages: the record's "Factures et règlements" tab, recording a payment (from
the record or an invoice) and cancelling one by a reversal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.selectors_list import invoices_of_customer
from creneau.billing.views.common import errors_to_form
from creneau.core.params import parse_id
from creneau.core.templatetags.creneau import money
from creneau.customers.selectors import customer_get
from creneau.customers.views.common import respond_tab
from creneau.payments.forms import PaymentForm, ReverseForm
from creneau.payments.mandates import direct_debit_mandates_of
from creneau.payments.models import Payment, PaymentAllocation, PaymentMethod
from creneau.payments.once import once_remember, once_token, once_used
from creneau.payments.rules import user_may_record_payments, user_sees_payments
from creneau.payments.selectors import customer_balance, payments_visible_to
from creneau.payments.selectors_list import with_credit
from creneau.payments.selectors_sepa import sepa_rejections_context
from creneau.payments.services import payment_create, payment_reverse
from creneau.payments.views_holds import customer_dunning_context
from creneau.payments.views_statement import statement_context

TAB_ROWS = 50
PAYMENTS_PER_PAGE = 20


def require_reader(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404


def require_writer(request: HttpRequest) -> None:
    """Fetch the customer or payment first: another rep's answers 404 before this 403."""
    if not user_may_record_payments(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de saisir ni d'annuler un règlement."))


def tab_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's "Factures et règlements" tab: the balance, the invoices and credit notes,
    then the payments, a page at a time, and the dunning (hold, reminders sent): a fixed
    number of queries however many."""
    customer = customer_get(user=request.user, pk=pk)
    require_reader(request)
    return respond_tab(
        request,
        customer,
        tab="invoices",
        template="payments/tab_customer.html",
        context=tab_customer_context(request, customer),
    )


def tab_customer_context(request: HttpRequest, customer, *, hold_form=None) -> dict:
    """What the tab shows; `hold_form` is a refused "Suspendre les relances" form, shown
    open with its errors (views_holds)."""
    invoices = list(invoices_of_customer(customer=customer)[: TAB_ROWS + 1])
    # The page's ids first, then their credit: computed for the 20 rows shown, not for
    # every row an OFFSET skips (page 1,000 of 40,000 payments: 1 s otherwise).
    newest_first = ("-date", "-id")
    ids = Payment.objects.filter(customer=customer, reversal_of__isnull=True).order_by(
        *newest_first
    )
    page = Paginator(ids.values_list("pk", flat=True), PAYMENTS_PER_PAGE).get_page(
        request.GET.get("payments_page")
    )
    page.object_list = list(
        with_credit(Payment.objects.filter(pk__in=list(page.object_list)))
        .select_related("reversal")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.select_related("invoice").order_by("id"),
            ),
            "refunds",
        )
        .order_by(*newest_first)
    )
    balance = customer_balance(customer)
    return {
        "invoices": invoices[:TAB_ROWS],
        "more": len(invoices) > TAB_ROWS,
        # billing's totals, from the balance's own read (one pass over the invoices)
        "totals": {"gross": balance.billed, "amount_due": balance.amount_due},
        "drafts": sum(1 for invoice in invoices if invoice.status == Invoice.Status.DRAFT),
        "can_issue": user_may_issue_invoices(request.user),
        "balance": balance,
        "payments": page,
        "can_record": user_may_record_payments(request.user),
        **customer_dunning_context(request, customer, hold_form=hold_form),
        **statement_context(request, customer),
        **sepa_rejections_context(customer),
    }


def _open_invoices(customer) -> list[Invoice]:
    return list(
        Invoice.objects.filter(customer=customer, kind=Invoice.Kind.INVOICE, amount_due__gt=0)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("due_date", "id")
    )


def payment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Saisir un règlement for a customer; ?invoice= preselects one invoice (from its page)."""
    customer = customer_get(user=request.user, pk=pk)
    require_writer(request)
    invoices = _open_invoices(customer)
    preselected = parse_id(request.GET.get("invoice") or request.POST.get("from_invoice"))
    preselected_invoice = next((inv for inv in invoices if inv.pk == preselected), None)
    done_url = (
        reverse("billing:detail", args=[preselected_invoice.pk])
        if preselected_invoice is not None
        else reverse("customers:detail", args=[customer.pk]) + "?tab=invoices"
    )
    if request.method == "POST" and once_used(request):
        messages.info(request, _("Ce règlement était déjà enregistré : rien n'a été ajouté."))
        return redirect(done_url)
    if request.method == "POST":
        form = PaymentForm(request.POST, invoices=invoices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = payment_create(
                    customer=customer,
                    by=request.user,
                    amount=data["amount"],
                    method=data["method"],
                    date=data["date"],
                    reference=data["reference"],
                    cheque_bank=data["cheque_bank"],
                    cheque_number=data["cheque_number"],
                    allocations=form.allocations(),
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                once_remember(request)
                messages.success(
                    request,
                    _("Règlement de %(amount)s enregistré.") % {"amount": money(payment.amount)},
                )
                return redirect(done_url)
    else:
        initial = {}
        if preselected_invoice is not None:
            initial = {
                "allocation": "hand",
                "amount": preselected_invoice.amount_due,
                f"invoice_{preselected_invoice.pk}": preselected_invoice.amount_due,
            }
        if direct_debit_mandates_of([customer.pk]):
            # A customer with an active SEPA mandate pays by direct debit by default.
            initial["method"] = PaymentMethod.SEPA_DEBIT
        form = PaymentForm(initial=initial, invoices=invoices)
    context = {
        "customer": customer,
        "form": form,
        "from_invoice": preselected_invoice,
        "once": once_token(request),
    }
    return render(request, "payments/payment_form.html", context)


def payment_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Annuler a payment: a reversing entry with a reason (a mistake, a bounced cheque)."""
    payment = get_object_or_404(payments_visible_to(request.user).select_related("customer"), pk=pk)
    require_writer(request)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_reverse(payment=payment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Règlement annulé."))
            return redirect(
                reverse("customers:detail", args=[payment.customer_id]) + "?tab=invoices"
            )
    return render(
        request,
        "payments/payment_reverse.html",
        {"payment": payment, "customer": payment.customer, "form": form},
    )
