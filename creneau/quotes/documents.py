"""The quote as a document: its PDF (core.pdf.render_pdf on quotes/pdf/quote.html) and
the e-mail that carries it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from creneau.core.models import Company
from creneau.core.pdf import render_pdf, stored_image_url
from creneau.quotes.models import Quote, QuoteLine, quote_lines_totals
from creneau.quotes.selectors import quote_lines

# The first image of a service (direction chooses which) is printed beside its line,
# 16 x 11 mm: about 300 dpi, and a light PDF.
IMAGES_PER_LINE = 1
LINE_IMAGE_PIXELS = (190, 130)


def _line_images(line: QuoteLine) -> list[str]:
    if line.service is None:
        return []
    uris = (
        stored_image_url(image.image.name, LINE_IMAGE_PIXELS)
        for image in line.service.images.all()[:IMAGES_PER_LINE]
    )
    return [uri for uri in uris if uri][:IMAGES_PER_LINE]


def quote_document_context(*, quote: Quote, lines: list[QuoteLine] | None = None) -> dict:
    """What the PDF template needs: the quote, its lines (with images), the totals by rate
    with each rate's exemption wording, and the wordings to print under the totals."""
    if lines is None:
        lines = quote_lines(quote=quote, with_images=True)
    totals = quote_lines_totals(lines)
    rates = {line.vat_rate_id: line.vat_rate for line in lines if line.vat_rate_id}
    breakdown = [
        {"vat_rate": rates[row.key], "base": row.base, "vat": row.vat} for row in totals.breakdown
    ]
    wordings = sorted(
        {
            rates[row.key].exemption_wording
            for row in totals.breakdown
            if rates[row.key].exemption_wording
        }
    )
    lines_with_images = [(line, _line_images(line)) for line in lines]
    return {
        "quote": quote,
        "customer": quote.customer,
        "site": quote.site,
        "lines": lines_with_images,
        # Columns printed only when a line needs them: a lighter table, a faster PDF.
        "with_images": any(images for _line, images in lines_with_images),
        "with_discount": any(line.discount_percent for line in lines),
        "totals": totals,
        "breakdown": breakdown,
        "exemption_wordings": wordings,
    }


def quote_pdf(*, quote: Quote) -> bytes:
    """The quote's PDF (A4, French formats), as sent and downloaded."""
    return render_pdf(
        template_name="quotes/pdf/quote.html", context=quote_document_context(quote=quote)
    )


def quote_pdf_freeze(*, quote: Quote) -> bytes:
    """Render a numbered quote's PDF once and keep it in the private storage: what was sent
    is what is downloaded later, whatever becomes of the customer, site or company."""
    content = quote_pdf(quote=quote)
    quote.pdf.save(quote_pdf_filename(quote), ContentFile(content), save=False)
    Quote.objects.filter(pk=quote.pk).update(pdf=quote.pdf.name)
    return content


def quote_pdf_document(*, quote: Quote) -> bytes:
    """The PDF to show, download or send: a draft's is rendered live; a numbered quote's is
    the copy stored when it was numbered (made now for a quote numbered before copies were
    kept)."""
    if quote.is_draft:
        return quote_pdf(quote=quote)
    if quote.pdf:
        try:
            with quote.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            pass
    return quote_pdf_freeze(quote=quote)


def quote_pdf_filename(quote: Quote) -> str:
    label = quote.number or f"brouillon-{quote.pk}"
    return f"devis-{label}-{slugify(quote.customer.name)[:40]}.pdf".replace("--", "-")


# A draft gets its number when it is sent: the proposed texts carry this mark, which
# quote_send replaces with the number.
NUMBER_PLACEHOLDER = "[n° du devis]"


def fill_number(text: str, quote: Quote) -> str:
    return text.replace(NUMBER_PLACEHOLDER, quote.number or NUMBER_PLACEHOLDER)


def quote_email_defaults(*, quote: Quote, by: User | None) -> tuple[str, str]:
    """The subject and message proposed when sending a quote (the user may change them)."""
    context = {
        "number": quote.number or NUMBER_PLACEHOLDER,
        # A draft is dated the day it is sent.
        "date": quote.date if quote.number else timezone.localdate(),
        "quote": quote,
        "customer": quote.customer,
        "site": quote.site,
        "company": Company.load(),
        "sender": by,
    }
    with translation.override("fr"):
        subject = render_to_string("quotes/email/quote_subject.txt", context)
        body = render_to_string("quotes/email/quote_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"
