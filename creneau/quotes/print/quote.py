"""The data that quote.typ prints, formatted the French way: every value is text."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from creneau.catalog.templatetags.amount_formats import percent, quantity, unit_price
from creneau.core.pdf import print_image
from creneau.core.templatetags.creneau import money
from creneau.quotes.models import Quote, QuoteLine, quote_lines_totals
from creneau.quotes.selectors import quote_lines

# The first image of a service (direction chooses which) is printed beside its line,
# 16 x 11 mm: about 300 dpi, and a light PDF.
LINE_IMAGE_PIXELS = (190, 130)
DATE_FORMAT = "%d/%m/%Y"


def _line_image(line: QuoteLine) -> dict[str, Any] | None:
    name = getattr(line, "first_image", None)
    return print_image(name, LINE_IMAGE_PIXELS) if name else None


def _line_data(line: QuoteLine, unit_labels: dict[str, str]) -> dict[str, Any]:
    if line.line_type in (QuoteLine.LineType.SECTION, QuoteLine.LineType.COMMENT):
        return {"kind": line.line_type, "text": (line.description or "").strip()}
    return {
        "kind": "amount",
        "title": line.title,
        "detail": line.detail,
        "image": _line_image(line),
        "quantity": quantity(line.quantity),
        "unit": unit_labels.get(line.unit, line.unit),
        "unit_price": unit_price(line.unit_price),
        "discount": percent(line.discount_percent) if line.discount_percent else "",
        "vat_rate": percent(line.vat_rate.rate),
        "net": money(line.net),
    }


def _meta(quote: Quote) -> list[tuple[str, str]]:
    meta = [("N°", quote.number)] if quote.number else []
    meta += [
        ("Date :", quote.date.strftime(DATE_FORMAT)),
        ("Valable jusqu'au :", quote.validity_date.strftime(DATE_FORMAT)),
        ("Client :", quote.customer.code),
    ]
    if quote.customer.vat_number:
        meta.append(("N° TVA client :", quote.customer.vat_number))
    return meta


def quote_print_data(*, quote: Quote, company_name: str) -> dict[str, Any]:
    """What quote.typ prints: the header of the shared layout, the lines (with their
    image), the totals by VAT rate with each rate's exemption wording, and the notes.

    Documents print in French, whatever the language of the user who asks for them.
    """
    with translation.override("fr"):
        return _quote_data(quote=quote, company_name=company_name)


def _quote_data(*, quote: Quote, company_name: str) -> dict[str, Any]:
    lines = quote_lines(quote=quote, with_images=True)
    customer, site = quote.customer, quote.site
    totals = quote_lines_totals(lines)
    rates = {line.vat_rate_id: line.vat_rate for line in lines if line.vat_rate_id}
    label = f"Devis {quote.number or 'brouillon'}"
    # The unit's label, translated once a document rather than once a line.
    unit_labels = {
        value: str(label) for value, label in QuoteLine._meta.get_field("unit").flatchoices
    }
    printed_lines = [_line_data(line, unit_labels) for line in lines]
    return {
        "title": f"{label} \N{EN DASH} {company_name}",
        "heading": "Devis",
        "heading_mark": "(brouillon)" if quote.is_draft else "",
        # A draft is not an offer: marked across every page, and nothing to sign.
        "watermark": "BROUILLON" if quote.is_draft else "",
        "with_signature": not quote.is_draft,
        "meta": _meta(quote),
        "recipient": {"name": customer.name, "lines": customer.address_lines},
        "running_reference": f"{label} · {customer.name}",
        "site": ({"name": site.name, "address": ", ".join(site.address_lines)} if site else None),
        "lines": printed_lines,
        # Columns printed only when a line needs them: the designation gets the width.
        "with_images": any(line.get("image") for line in printed_lines),
        "with_discount": any(line.get("discount") for line in printed_lines),
        "vat_breakdown": [
            {"rate": percent(rates[row.key].rate), "base": money(row.base), "vat": money(row.vat)}
            for row in totals.breakdown
        ],
        "exemption_wordings": sorted(
            {
                rates[row.key].exemption_wording
                for row in totals.breakdown
                if rates[row.key].exemption_wording
            }
        ),
        "totals": [
            ("Total HT", money(totals.net)),
            ("Total TVA", money(totals.vat)),
            ("Total TTC", money(totals.gross)),
        ],
        "notes": (quote.notes or "").strip(),
        "validity": f"Devis valable jusqu'au {quote.validity_date.strftime(DATE_FORMAT)}.",
    }
