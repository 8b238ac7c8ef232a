"""Pages of the SEPA collection batches (Facturation > Prélèvements): the batches, a new
one (a date, then the proposal to untick, then "Créer la remise"), a batch with its
debits (download the file, mark it transmitted, reject a debit). Direction and
accounting only (payments.rules.user_may_run_sepa_batches): 404 for the other roles."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from creneau.billing.views.common import errors_to_form
from creneau.core.models import Company
from creneau.core.params import parse_id
from creneau.core.templatetags.creneau import money
from creneau.payments.forms_sepa import SepaBatchForm, SepaRejectForm, chosen_invoice_ids
from creneau.payments.models import SepaBatch, SepaItemStatus
from creneau.payments.once import once_remember, once_token, once_used
from creneau.payments.rules import user_may_run_sepa_batches
from creneau.payments.sepa_batches import (
    company_sepa_check,
    sepa_batch_create,
    sepa_batch_xml,
    sepa_proposal,
)
from creneau.payments.sepa_calendar import next_target_business_day
from creneau.payments.sepa_collect import sepa_batch_transmit, sepa_item_reject

BATCHES_PER_PAGE = 25
ITEMS_PER_PAGE = 100


def _require(request: HttpRequest) -> None:
    if not user_may_run_sepa_batches(request.user):
        raise Http404


def _batch(pk: int) -> SepaBatch:
    return get_object_or_404(SepaBatch, pk=parse_id(pk) or 0)


def _company_problem() -> str:
    try:
        company_sepa_check(Company.load())
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def sepa_batch_list(request: HttpRequest) -> HttpResponse:
    """Prélèvements: the batches (date, count, total, status) and a new one."""
    _require(request)
    batches = SepaBatch.objects.select_related("created_by").order_by("-collection_date", "-id")
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    earliest = next_target_business_day(timezone.localdate())
    form = SepaBatchForm(initial={"collection_date": earliest})
    context = {"page": page, "form": form, "company_problem": _company_problem()}
    return render(request, "payments/sepa/batch_list.html", context)


def _proposal_context(request: HttpRequest, form: SepaBatchForm, chosen=None) -> dict:
    context = {"form": form, "company_problem": _company_problem(), "once": once_token(request)}
    form.is_valid()  # a refused creation keeps its dates: the proposal shows again
    if form.is_bound and "collection_date" in form.cleaned_data:
        proposal = sepa_proposal(
            collection_date=form.cleaned_data["collection_date"],
            due_by=form.cleaned_data.get("due_by"),
        )
        context["proposal"] = proposal
        context["chosen"] = (
            set(chosen) if chosen is not None else {d.invoice.pk for d in proposal.debits}
        )
        ticked = [d for d in proposal.debits if d.invoice.pk in context["chosen"]]
        context["chosen_count"] = len(ticked)
        context["chosen_total"] = sum((d.amount for d in ticked), Decimal("0.00"))
        for debit in proposal.debits:
            debit.cents = int(debit.amount * 100)
        context["to_notify"] = sum(1 for debit in proposal.debits if not debit.prenotified)
    return context


def sepa_batch_new(request: HttpRequest) -> HttpResponse:
    """Nouvelle remise: the date form (GET), the proposal with its boxes, and the creation
    (POST, "Créer la remise"); a refusal shows the proposal again with why."""
    _require(request)
    if request.method != "POST":
        form = SepaBatchForm(request.GET if "collection_date" in request.GET else None)
        return render(request, "payments/sepa/batch_new.html", _proposal_context(request, form))
    if once_used(request):
        messages.info(request, _("Cette remise était déjà créée : rien n'a été ajouté."))
        return redirect("payments:sepa_batch_list")
    form = SepaBatchForm(request.POST)
    chosen = chosen_invoice_ids(request.POST)
    if form.is_valid():
        try:
            batch = sepa_batch_create(
                collection_date=form.cleaned_data["collection_date"],
                due_by=form.cleaned_data["due_by"],
                invoice_ids=chosen,
                by=request.user,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            once_remember(request)
            message = ngettext(
                "Remise créée : %(count)s prélèvement, %(total)s.",
                "Remise créée : %(count)s prélèvements, %(total)s.",
                batch.item_count,
            ) % {"count": batch.item_count, "total": money(batch.total)}
            messages.success(request, message)
            return redirect("payments:sepa_batch", pk=batch.pk)
    context = _proposal_context(request, form, chosen)
    return render(request, "payments/sepa/batch_new.html", context, status=422)


def sepa_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch: its debits (invoice, customer, RUM, sequence, amount, status), the file,
    "Marquer comme transmis", and a reject per collected debit."""
    _require(request)
    batch = _batch(pk)
    items = batch.items.select_related(
        "invoice", "customer", "mandate", "reject_fee_invoice"
    ).order_by("customer__name", "id")
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    counts = dict.fromkeys(SepaItemStatus.values, 0)
    for row in batch.items.order_by().values("status").annotate(count=Count("id")):
        counts[row["status"]] = row["count"]
    # Once transmitted, the debits are made: a warning about notices would come too late.
    not_notified = 0
    if batch.status == SepaBatch.Status.PREPARED:
        not_notified = batch.items.filter(prenotified_at__isnull=True).count()
    context = {"batch": batch, "page": page, "counts": counts, "not_notified": not_notified}
    return render(request, "payments/sepa/batch_detail.html", context)


def sepa_batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The pain.008 file, byte for byte as written when the batch was made."""
    _require(request)
    batch = _batch(pk)
    response = HttpResponse(sepa_batch_xml(batch), content_type="application/xml")
    name = f"prelevements-{batch.collection_date:%Y-%m-%d}-{batch.pk}.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def sepa_batch_transmitted(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    batch = _batch(pk)
    try:
        sepa_batch_transmit(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Remise marquée comme transmise : les règlements sont enregistrés au %(day)s.")
            % {"day": batch.collection_date.strftime("%d/%m/%Y")},
        )
    return redirect("payments:sepa_batch", pk=batch.pk)


def sepa_item_reject_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Rejet d'un prélèvement: the R-code and, if asked, a fee invoiced to the customer."""
    _require(request)
    batch = _batch(pk)
    item = get_object_or_404(
        batch.items.select_related("invoice", "customer", "mandate"), pk=parse_id(item_pk) or 0
    )
    company = Company.load()
    form = SepaRejectForm(request.POST or None, initial={"fee": company.sepa_reject_fee or None})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sepa_item_reject(
                item=item,
                reason_code=form.cleaned_data["reason_code"],
                add_fee=form.cleaned_data["add_fee"],
                fee=form.cleaned_data["fee"] if form.cleaned_data["add_fee"] else None,
                by=request.user,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Prélèvement de %(number)s rejeté : la facture est de nouveau due.")
                % {"number": item.invoice.number},
            )
            return redirect("payments:sepa_batch", pk=batch.pk)
    if request.method == "POST":
        status = 422
    context = {"batch": batch, "item": item, "form": form}
    return render(request, "payments/sepa/item_reject.html", context, status=status)
