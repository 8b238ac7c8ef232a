"""Devis: the quotes the customer received, one quote with its lines and its stored
PDF, and the customer's answer (accept under its full name, or refuse)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creneau.core.pdf import pdf_response
from creneau.portal.forms_quotes import QuoteAcceptForm, QuoteRefuseForm
from creneau.portal.pages import PAGE_SIZE, scoped_or_404
from creneau.portal.selectors import portal_quotes
from creneau.portal.services_quotes import (
    portal_quote_accept,
    portal_quote_answerable,
    portal_quote_refuse,
)
from creneau.quotes.documents import quote_pdf_document, quote_pdf_filename
from creneau.quotes.models import Quote

QUOTE_FIELDS = (
    "customer_id", "site_id", "number", "status", "date", "validity_date", "total_gross",
    "accepted_at", "refused_at",
)  # fmt: skip


@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = (
        portal_quotes(request.portal_user)
        .select_related("site")
        .only(*QUOTE_FIELDS, "site__name")
        .order_by("-date", "-number", "-pk")
    )
    page = Paginator(quotes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/quotes.html", {"page": page})


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _answer(request: HttpRequest, quote: Quote) -> tuple[HttpResponse | None, dict]:
    """Handle a POST of either form: a redirect once answered, else the bound forms."""
    user, ip = request.portal_user, request.META.get("REMOTE_ADDR")
    action = request.POST.get("action")
    forms: dict = {}
    if not portal_quote_answerable(quote):
        messages.error(request, _("Ce devis n'attend plus de réponse : rien n'a été modifié."))
        return redirect("portal:quote", pk=quote.pk), forms
    try:
        if action == "accept":
            form = forms["accept_form"] = QuoteAcceptForm(request.POST)
            if form.is_valid():
                portal_quote_accept(user=user, quote=quote, name=form.cleaned_data["name"], ip=ip)
                messages.success(request, _("Merci : votre acceptation du devis est enregistrée."))
                return redirect("portal:quote", pk=quote.pk), forms
        elif action == "refuse":
            form = forms["refuse_form"] = QuoteRefuseForm(request.POST)
            if form.is_valid():
                portal_quote_refuse(
                    user=user, quote=quote, reason=form.cleaned_data["reason"], ip=ip
                )
                messages.success(request, _("Votre refus du devis est enregistré."))
                return redirect("portal:quote", pk=quote.pk), forms
        else:
            messages.error(request, _("Choisissez d'accepter ou de refuser le devis."))
    except ValidationError as error:
        _flash(request, error)
        return redirect("portal:quote", pk=quote.pk), forms
    return None, forms


@require_http_methods(["GET", "POST"])
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = scoped_or_404(portal_quotes(request.portal_user).select_related("site"), pk)
    forms: dict = {}
    if request.method == "POST":
        response, forms = _answer(request, quote)
        if response is not None:
            return response
    lines = list(quote.lines.select_related("vat_rate").order_by("position", "pk"))
    answerable = portal_quote_answerable(quote)
    context = {
        "quote": quote,
        "lines": lines,
        "totals": quote.totals(lines),
        "answerable": answerable,
        "accept_form": forms.get("accept_form") or QuoteAcceptForm(),
        "refuse_form": forms.get("refuse_form") or QuoteRefuseForm(),
    }
    status = 400 if forms else 200
    return render(request, "portal/quote_detail.html", context, status=status)


@require_GET
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    quote = scoped_or_404(portal_quotes(request.portal_user).select_related("customer"), pk)
    return pdf_response(quote_pdf_document(quote=quote), quote_pdf_filename(quote), inline=False)
