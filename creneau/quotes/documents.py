"""The quote as a document: its PDF (core.pdf.render_pdf on quotes/print/quote.typ) and
the e-mail that carries it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from creneau.core.models import Company
from creneau.core.pdf import render_pdf
from creneau.quotes.models import Quote
from creneau.quotes.print.quote import quote_print_data


def quote_pdf(*, quote: Quote) -> bytes:
    """The quote's PDF (A4, PDF/A-3b, French formats), as sent and downloaded."""
    company = Company.load()
    data = quote_print_data(quote=quote, company_name=company.legal_name)
    return render_pdf(template="quotes/quote.typ", data=data, company=company)


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
