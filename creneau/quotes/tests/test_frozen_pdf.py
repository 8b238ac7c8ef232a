"""A numbered quote's PDF is the one it was numbered with: later changes to the customer,
its site or the company do not rewrite what was sent."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company
from creneau.customers.services import customer_update
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_finalize, quote_line_add, quote_send

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def quote(rep):
    customer = CustomerFactory(sales_rep=rep, name="Ancien Nom", email="client@example.fr")
    quote = quote_create(customer=customer, by=rep)
    quote_line_add(quote=quote, by=rep, line_type="free", description="Nettoyage",
                   quantity=Decimal(1), unit_price=Decimal("10"),
                   vat_rate=vat_rate("20"))  # fmt: skip
    return quote


def test_a_draft_pdf_follows_the_customer(quote, rep, client_for):
    customer_update(customer=quote.customer, by=rep, name="Nouveau Nom")
    assert "Nouveau Nom" in pdf_text(client_for(rep).get(f"/quotes/{quote.pk}/pdf/").content)


def test_a_finalised_quote_keeps_its_pdf_on_the_page_and_the_api(quote, rep, client_for, api_for):
    quote_finalize(quote=quote, by=rep)
    assert Quote.objects.get(pk=quote.pk).pdf.name.startswith(f"quotes/{quote.customer_id}/")
    customer_update(customer=quote.customer, by=rep, name="Nouveau Nom")
    company = Company.load()
    company.name = "Société Renommée"
    company.save()
    page = pdf_text(client_for(rep).get(f"/quotes/{quote.pk}/pdf/").content)
    api = pdf_text(api_for(rep).get(f"/api/v1/quotes/{quote.pk}/pdf").content)
    for text in (page, api):
        assert "Ancien Nom" in text and "Nouveau Nom" not in text
        assert "Société Renommée" not in text
        assert quote.number in text


def test_sending_later_attaches_the_stored_pdf(quote, rep):
    quote_finalize(quote=quote, by=rep)
    customer_update(customer=quote.customer, by=rep, name="Nouveau Nom")
    email = quote_send(quote=Quote.objects.get(pk=quote.pk), by=rep, to=["client@example.fr"])
    attachment = email.attachments.get()
    assert "Ancien Nom" in pdf_text(attachment.file.read())


def test_the_discount_column_prints_only_when_a_line_has_a_discount(quote, rep):
    from creneau.quotes.documents import quote_pdf

    assert "Remise" not in pdf_text(quote_pdf(quote=quote))
    quote_line_add(quote=quote, by=rep, line_type="free", description="Vitres",
                   quantity=Decimal(1), unit_price=Decimal("50"), discount_percent=Decimal(10),
                   vat_rate=vat_rate("20"))  # fmt: skip
    text = pdf_text(quote_pdf(quote=quote))
    assert "Remise" in text and "10\u00a0%" in text  # French: a no-break space
