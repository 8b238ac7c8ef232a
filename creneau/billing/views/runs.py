"""Pages of the monthly billing run: the form (Nouvelle facturation), the preview with its
proposed invoices to untick, the progress of the issuing (HTMX polling), the summary.
Direction and accounting only (billing.rules.user_may_issue_invoices): 403 for the others,
as the other pages that a role may not use."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.billing.forms_runs import BillingRunForm
from creneau.billing.models import BillingRun, BillingRunItem, Invoice
from creneau.billing.rules import user_may_issue_invoices, user_sees_invoices
from creneau.billing.runs import (
    billing_run_create,
    billing_run_issue,
    billing_run_item_exclude,
    billing_run_resume,
)
from creneau.core.params import parse_id
from creneau.customers.models import Site

PAGE_SIZE = 50
# The summary lists at most this many invoices to post (the invoice list filters the rest).
POSTED_LISTED = 200


def _require_issuer(request: HttpRequest) -> None:
    """404 for a role that reads no invoice (planning), as every invoice page; 403 for a
    sales rep, who reads invoices but issues none."""
    if not user_sees_invoices(request.user):
        raise Http404
    if not user_may_issue_invoices(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de facturer."))


def _run(pk: int) -> BillingRun:
    return get_object_or_404(BillingRun, pk=parse_id(pk) or 0)


def run_new(request: HttpRequest) -> HttpResponse:
    """Facturation, Nouvelle facturation: the period (last month by default) and filters."""
    _require_issuer(request)
    form = BillingRunForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = billing_run_create(
                by=request.user,
                period_start=data["period_start"],
                period_end=data["period_end"],
                customer_ids=data["customer_codes"],
                family_ids=[family.pk for family in data["families"]],
                sales_rep_ids=[user.pk for user in data["sales_reps"]],
                include_missed=data["include_missed"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("billing:run_detail", pk=run.pk)
    recent = BillingRun.objects.annotate(items_count=Count("items")).order_by("-created_at")[:10]
    return render(request, "billing/runs/run_new.html", {"form": form, "recent": recent})


def _preview_context(request: HttpRequest, run: BillingRun) -> dict:
    items = run.items.select_related("customer").order_by(
        "customer__name", "customer_id", "billing_group"
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    site_ids = {pk for item in page.object_list for pk in item.proposal["site_ids"]}
    sites = Site.objects.in_bulk(site_ids)
    for item in page.object_list:
        item.sites_list = [sites[pk] for pk in item.proposal["site_ids"] if pk in sites]
        item.lines_list = item.proposal["lines"]
    totals = run.items.filter(excluded=False).aggregate(
        count=Count("id"), net=Sum("total_net"), vat=Sum("total_vat"), gross=Sum("total_gross")
    )
    return {"run": run, "page": page, "totals": totals}


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview (to untick and issue), the progress, or the summary, by the run's status."""
    _require_issuer(request)
    run = _run(pk)
    if run.status == BillingRun.Status.PREVIEW:
        return render(request, "billing/runs/run_preview.html", _preview_context(request, run))
    if run.status in (BillingRun.Status.ISSUING, BillingRun.Status.FAILED):
        return render(request, "billing/runs/run_progress.html", {"run": run})
    return render(request, "billing/runs/run_summary.html", _summary_context(run))


def _summary_context(run: BillingRun) -> dict:
    invoices = Invoice.objects.filter(billing_run=run)
    figures = invoices.aggregate(
        issued=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        to_post=Count("id", filter=Q(needs_posting=True)),
        gross=Sum("total_gross"),
    )
    to_post = invoices.filter(needs_posting=True).order_by("number")[:POSTED_LISTED]
    not_made = (
        run.items.filter(excluded=False, invoice__isnull=True)
        .select_related("customer")
        .order_by("customer__name", "billing_group")
    )
    return {"run": run, "figures": figures, "to_post": to_post, "not_made": not_made}


@require_POST
def run_item_toggle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Tick or untick a proposed invoice (or one of its lines): its block comes back, with
    the run's totals out of band."""
    _require_issuer(request)
    run = _run(pk)
    item = get_object_or_404(
        BillingRunItem.objects.select_related("customer"), pk=parse_id(item_pk) or 0, run=run
    )
    line_key = request.POST.get("line") or None
    try:
        item = billing_run_item_exclude(
            item=item,
            by=request.user,
            excluded=request.POST.get("included") != "1",
            line_key=line_key[:40] if line_key else None,
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    context = _preview_context(request, run)
    item = next((shown for shown in context["page"].object_list if shown.pk == item.pk), item)
    context["item"] = item
    return render(request, "billing/runs/partials/item_toggled.html", context)


@require_POST
def run_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Émettre: the task worker makes the invoices; the page follows its progress."""
    _require_issuer(request)
    run = _run(pk)
    try:
        billing_run_issue(run=run, by=request.user, send=request.POST.get("send") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("billing:run_detail", pk=run.pk)


@require_POST
def run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    _require_issuer(request)
    run = _run(pk)
    try:
        billing_run_resume(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("billing:run_detail", pk=run.pk)


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by HTMX every second; once issued, the page reloads into
    its summary."""
    _require_issuer(request)
    run = _run(pk)
    if run.status == BillingRun.Status.ISSUED:
        response = HttpResponse("")
        response["HX-Redirect"] = reverse("billing:run_detail", args=[run.pk])
        return response
    return render(request, "billing/runs/partials/progress.html", {"run": run})
