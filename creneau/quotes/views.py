"""Pages of quotes: the list, the customer record's tab, the editor and its actions.

The editor saves each line as it is typed (HTMX, a 300 ms pause) and answers with the
line's amount, its errors and the totals by VAT rate, computed on the server.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from creneau.catalog.models import Service
from creneau.catalog.selectors import services_filter, vat_rates_active
from creneau.catalog.templatetags.amount_formats import input_decimal
from creneau.core.csv_export import csv_response, decimal_places
from creneau.core.lists import render_list
from creneau.core.pagination import NarrowPaginator
from creneau.core.params import parse_id
from creneau.core.pdf import pdf_response
from creneau.core.selectors import emails_for
from creneau.core.services import TooManyRequests
from creneau.customers.selectors import customer_get, customers_visible_to, search_terms
from creneau.customers.views.common import add_tab_messages
from creneau.planning.rules import user_may_edit_planning
from creneau.quotes import services
from creneau.quotes.documents import quote_email_defaults, quote_pdf_document, quote_pdf_filename
from creneau.quotes.forms import LineForm, QuoteFilterForm, QuoteHeaderForm, SendForm
from creneau.quotes.models import Quote, QuoteLine
from creneau.quotes.selectors import (
    quote_get,
    quote_history,
    quote_line_get,
    quote_lines,
    quote_recipient_choices,
    quotes_filter,
    quotes_of_customer,
    user_edits_quotes,
)

PAGE_SIZE = 25


def _require_editor(request: HttpRequest) -> None:
    if not user_edits_quotes(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier les devis."))


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def quote_list(request: HttpRequest) -> HttpResponse:
    """The list; an htmx request from its filters, sort links or pages gets only the results."""
    filters = QuoteFilterForm(request.GET or None)
    quotes = quotes_filter(user=request.user, filters=request.GET.dict())
    page = NarrowPaginator(quotes, PAGE_SIZE).get_page(request.GET.get("page"))
    customer = None
    if customer_id := parse_id(request.GET.get("customer")):
        customer = customers_visible_to(request.user).filter(pk=customer_id).first()
    context = {
        "filters": filters,
        "page": page,
        "sort": request.GET.get("sort") or "-date",
        "customer": customer,
        "can_edit": user_edits_quotes(request.user),
    }
    return render_list(
        request,
        page="quotes/quote_list.html",
        results="quotes/partials/list_results.html",
        results_id="quote-results",
        context=context,
    )


def quote_export(request: HttpRequest) -> HttpResponse:
    """The list's current filter as CSV (semicolons, decimal commas, BOM: French Excel)."""
    quotes = quotes_filter(user=request.user, filters=request.GET.dict())
    rows = (
        [
            quote.number or _("brouillon"),
            quote.get_effective_status_display(),
            quote.date,
            quote.validity_date,
            quote.customer.code,
            quote.customer.name,
            quote.site.name if quote.site else "",
            decimal_places(quote.total_net, 2),
            decimal_places(quote.total_vat, 2),
            decimal_places(quote.total_gross, 2),
        ]
        for quote in quotes.iterator(2000)
    )
    header = [_("Numéro"), _("Statut"), _("Date"), _("Valable jusqu'au"), _("Code client"),
              _("Client"), _("Site"), _("Total HT"), _("TVA"), _("Total TTC")]  # fmt: skip
    return csv_response(
        filename=f"devis-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows
    )


def tab_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's "Devis" tab (an HTMX partial; a full page when opened directly)."""
    customer = customer_get(user=request.user, pk=pk)
    quotes = quotes_of_customer(customer=customer)
    context = {
        "customer": customer,
        "quotes": quotes[:50],
        "count": quotes.count(),
        "can_edit": user_edits_quotes(request.user),
    }
    if getattr(request, "htmx", False):
        return add_tab_messages(request, render(request, "quotes/tab_customer.html", context))
    return render(request, "quotes/tab_customer_page.html", context)


def quote_new(request: HttpRequest) -> HttpResponse:
    """Start a quote: pick the customer (searched as one types), then its site."""
    _require_editor(request)
    customer_id = parse_id(request.POST.get("customer") or request.GET.get("customer"))
    if customer_id is None:
        return render(request, "quotes/quote_new.html", {"customer": None})
    customer = customer_get(user=request.user, pk=customer_id)
    form = QuoteHeaderForm(request.POST or None, customer=customer, instance=Quote())
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_create(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("quotes:detail", pk=quote.pk)
    return render(request, "quotes/quote_new.html", {"customer": customer, "form": form})


def customer_search(request: HttpRequest) -> HttpResponse:
    """Visible customers matching what is typed, to start a quote for one of them."""
    customers = customers_visible_to(request.user).filter(is_active=True)
    terms = search_terms(request.GET.get("q", ""))
    for term in terms:
        customers = customers.filter(search_text__contains=term)
    found = list(customers.order_by("name_key", "id")[:10]) if terms else []
    return render(request, "quotes/partials/customer_results.html", {"customers": found})


def _editor_context(request: HttpRequest, quote: Quote) -> dict:
    lines = quote_lines(quote=quote)
    editable = quote.is_draft and user_edits_quotes(request.user)
    return {
        "quote": quote,
        "lines": lines,
        "totals": quote.totals(lines),
        "vat_rates": list(vat_rates_active()) if editable else [],
        "units": Service.Unit.choices,
        "editable": editable,
        "can_edit": user_edits_quotes(request.user),
    }


def _totals_context(quote: Quote, lines: list[QuoteLine]) -> dict:
    totals = quote.totals(lines)
    rates = {line.vat_rate_id: line.vat_rate for line in lines if line.vat_rate_id}
    return {
        "totals": totals,
        "breakdown": [
            {"vat_rate": rates[row.key], "base": row.base, "vat": row.vat}
            for row in totals.breakdown
        ],
    }


def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor of a draft; the read-only view of a sent quote, with its history."""
    quote = quote_get(user=request.user, pk=pk)
    context = _editor_context(request, quote)
    context.update(_totals_context(quote, context["lines"]))
    context["header_form"] = QuoteHeaderForm(instance=quote, customer=quote.customer)
    context["history"] = list(quote_history(quote=quote)[:50])
    context["can_plan"] = user_may_edit_planning(request.user) and services.quote_may_plan(quote)
    context["emails"] = list(emails_for(quote)[:20])
    return render(request, "quotes/quote_detail.html", context)


def _lines_partial(
    request: HttpRequest, quote: Quote, new_line: QuoteLine | None = None
) -> HttpResponse:
    """The lines and totals, re-rendered after a line is added, moved or deleted; a refusal
    shows in the page's messages (out of band). A line just added gets the focus."""
    context = _editor_context(request, quote)
    context.update(_totals_context(quote, context["lines"]))
    context["oob_messages"] = True
    context["new_line_id"] = new_line.pk if new_line is not None else None
    return render(request, "quotes/partials/lines.html", context)


@require_POST
def quote_header(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the site, validity date or notes of a draft (as they change)."""
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    form = QuoteHeaderForm(request.POST, instance=Quote.objects.get(pk=pk), customer=quote.customer)
    saved = False
    if form.is_valid():
        try:
            services.quote_update(quote=quote, by=request.user, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            form.add_error(None, error)
    context = {"quote": quote, "header_form": form, "saved": saved, "editable": True}
    return render(request, "quotes/partials/header_form.html", context)


@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a line to a draft: a catalogue service, free text, a discount, a title..."""
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    line_type = request.POST.get("line_type", QuoteLine.LineType.FREE)
    fields = {"line_type": line_type}
    if line_type == QuoteLine.LineType.SERVICE:
        fields["service"] = get_object_or_404(
            Service, pk=parse_id(request.POST.get("service")) or 0
        )
    else:
        fields["description"] = QuoteLine.starting_description(line_type)
        if line_type in (QuoteLine.LineType.FREE, QuoteLine.LineType.DISCOUNT):
            # The company's default: the first active rate of its list (Paramètres, Taux de
            # TVA, in their order; 20 % as delivered), never the rate of the line above,
            # which a new line silently carried.
            fields["vat_rate"] = vat_rates_active().first()
            fields["unit"] = Service.Unit.FLAT
    try:
        line = services.quote_line_add(quote=quote, by=request.user, **fields)
    except ValidationError as error:
        _flash_errors(request, error)
        line = None
    return _lines_partial(request, quote, new_line=line)


@require_POST
def line_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one line as it is typed; answer its amount, its errors and the totals (OOB)."""
    line = quote_line_get(user=request.user, pk=pk)
    _require_editor(request)
    quote = line.quote
    form = LineForm(request.POST, line=line)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.quote_line_update(line=line, by=request.user, **fields)
        except ValidationError as error:
            errors = _errors_by_field(error)
            line.refresh_from_db()  # show the stored amount beside the refused value
    else:
        errors = {name: list(messages_) for name, messages_ in form.errors.items()}
    # Errors about a field the row does not show (or the whole line) go under the label.
    shown = list(form.fields)
    stray = [m for name, messages_ in errors.items() if name not in shown for m in messages_]
    saved = _saved_values(line)
    field_errors = [
        (
            name,
            " ".join(errors.get(name, []) + (stray if name == "description" else [])),
            saved[name],
        )
        for name in shown
    ]
    context = {"quote": quote, "line": line, "field_errors": field_errors, "oob": True}
    context.update(_totals_context(quote, quote_lines(quote=quote)))
    return render(request, "quotes/partials/line_saved.html", context)


def _saved_values(line: QuoteLine) -> dict[str, str]:
    """What the row's fields hold once saved, as line_row.html writes them: the editor puts
    a refused field back to it when the user leaves the field (quote_lines.js), so that
    the fields always show what the totals count."""
    return {
        "description": line.description,
        "quantity": input_decimal(line.quantity, 3),
        "unit": line.unit,
        "unit_price": input_decimal(line.unit_price, 4),
        "vat_rate": str(line.vat_rate_id or ""),
        "discount_percent": input_decimal(line.discount_percent, 2)
        if line.discount_percent
        else "",
    }


def _errors_by_field(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: list(messages_) for name, messages_ in error.message_dict.items()}
    return {"__all__": list(error.messages)}


@require_POST
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = quote_line_get(user=request.user, pk=pk)
    _require_editor(request)
    try:
        services.quote_line_delete(line=line, by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    return _lines_partial(request, line.quote)


@require_POST
def line_move(request: HttpRequest, pk: int) -> HttpResponse:
    line = quote_line_get(user=request.user, pk=pk)
    _require_editor(request)
    try:
        services.quote_line_move(
            line=line, by=request.user, up=request.POST.get("direction") == "up"
        )
    except ValidationError as error:
        _flash_errors(request, error)
    return _lines_partial(request, line.quote)


@require_POST
def lines_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft's lines in the order they were dropped in: every line id (`line`), once."""
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    # An id that cannot be read becomes 0, which no line has: the service refuses the list.
    line_ids = [parse_id(value) or 0 for value in request.POST.getlist("line")]
    try:
        services.quote_lines_reorder(quote=quote, line_ids=line_ids, by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    return _lines_partial(request, quote)


def service_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Active catalogue services matching what is typed, to add to this quote."""
    quote = quote_get(user=request.user, pk=pk)
    found = list(services_filter(filters={"q": request.GET.get("q", ""), "active": "1"})[:12])
    return render(
        request, "quotes/partials/service_results.html", {"quote": quote, "services": found}
    )


def _action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    try:
        action(quote=quote, by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, done)
    return redirect("quotes:detail", pk=pk)


@require_POST
def quote_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.quote_finalize, _("Devis finalisé et numéroté."))


@require_POST
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.quote_accept, _("Devis marqué comme accepté."))


@require_POST
def quote_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.quote_refuse, _("Devis marqué comme refusé."))


@require_POST
def quote_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Planifier: one schedule per service line, then the first one, to complete."""
    quote = quote_get(user=request.user, pk=pk)
    if not user_may_edit_planning(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier le planning."))
    try:
        schedules = services.quote_plan(quote=quote, by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect("quotes:detail", pk=pk)
    messages.success(
        request,
        ngettext(
            "%(count)s programmation créée d'après le devis : complétez-la (intervenant, "
            "jours, heure).",
            "%(count)s programmations créées d'après le devis : complétez-les (intervenant, "
            "jours, heure) ; voici la première.",
            len(schedules),
        )
        % {"count": len(schedules)},
    )
    return redirect("planning:schedule_edit", pk=schedules[0].pk)


@require_POST
def quote_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    copy = services.quote_duplicate(quote=quote, by=request.user)
    messages.success(
        request, _("Nouveau brouillon créé à partir de %(number)s.") % {"number": quote}
    )
    return redirect("quotes:detail", pk=copy.pk)


@require_POST
def quote_delete(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    try:
        services.quote_delete(quote=quote, by=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect("quotes:detail", pk=pk)
    messages.success(request, _("Brouillon supprimé."))
    return redirect(f"{reverse('quotes:list')}?customer={quote.customer_id}")


def quote_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get(user=request.user, pk=pk)
    inline = request.GET.get("download") != "1"
    return pdf_response(quote_pdf_document(quote=quote), quote_pdf_filename(quote), inline=inline)


def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick the recipients, edit the subject and message, and send the PDF by e-mail."""
    quote = quote_get(user=request.user, pk=pk)
    _require_editor(request)
    choices = quote_recipient_choices(quote=quote)
    retry_after = None
    if request.method == "POST":
        form = SendForm(request.POST, recipient_choices=choices)
        if form.is_valid():
            try:
                services.quote_send(
                    quote=quote,
                    by=request.user,
                    to=form.addresses(),
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                _send_errors_to_form(form, error)
            except TooManyRequests as refusal:
                form.add_error(None, refusal.message)
                retry_after = refusal.retry_after
            else:
                messages.success(
                    request,
                    _(
                        "L'e-mail du devis part dans un instant : le devis sera « envoyé » "
                        "dès que le serveur d'envoi l'aura accepté."
                    ),
                )
                return redirect("quotes:detail", pk=pk)
    else:
        subject, body = quote_email_defaults(quote=quote, by=request.user)
        initial = {"recipients": [choices[0][0]] if choices else [], "subject": subject,
                   "message": body}  # fmt: skip
        form = SendForm(initial=initial, recipient_choices=choices)
    response = render(request, "quotes/quote_send.html", {"quote": quote, "form": form})
    if retry_after is not None:  # over the hourly allowance: nothing was sent
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
    return response


def _send_errors_to_form(form: SendForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = "other" if field in ("to", "cc") else field
            for message in messages_:
                form.add_error(target if target in form.fields else None, message)
    else:
        form.add_error(None, error)
