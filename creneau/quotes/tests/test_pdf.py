"""The quote's PDF, laid out by Typst, read back with pypdf: its content, its French
formats, what user text cannot do, and what happens when the layout fails."""

import io
import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from creneau.catalog.services import service_image_add
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import Company, OutboxEmail
from creneau.core.tests.conftest import image_upload
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.documents import quote_pdf
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_finalize, quote_line_add, quote_send

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"
HOSTILE = '#read("/etc/passwd") *gras* $x$ <l> @ref \\ ]'


def pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def euros(amount: str) -> str:
    return amount.replace(" ", NNBSP) + NBSP + "€"


@pytest.fixture
def company():
    company = Company.load()
    company.legal_name, company.legal_form = "Clair & Net Services", "SAS"
    company.siret, company.sap_number = "73282932000074", "SAP732829320"
    company.street, company.postcode, company.city = "14 rue du Calvaire", "44000", "Nantes"
    company.save()
    return company


@pytest.fixture
def quote(rep, company):
    customer = CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls", code="C00042")
    site = SiteFactory(customer=customer, name="Bâtiment B")
    quote = quote_create(customer=customer, by=rep, site=site)
    quote_line_add(quote=quote, by=rep, line_type="section", description="Parties communes")
    quote_line_add(quote=quote, by=rep, line_type="free",
                   description="Nettoyage des vitres\nHalls et cages d'escalier",
                   quantity=Decimal("1234.5"), unit_price=Decimal("1"),
                   vat_rate=vat_rate("10"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="free", description="Fournitures",
                   quantity=Decimal(4), unit_price=Decimal("0.13"),
                   vat_rate=vat_rate("20"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="free", description="Prestation exonérée",
                   quantity=Decimal(1), unit_price=Decimal("50"),
                   vat_rate=vat_rate("0"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="comment", description="Produits fournis.")
    return quote


def test_the_quote_prints_its_number_customer_lines_and_totals_by_rate(quote, rep):
    quote_finalize(quote=quote, by=rep)
    quote.refresh_from_db()
    [text] = pages(quote_pdf(quote=quote))
    for expected in [
        quote.number, "Résidence Les Tilleuls", "C00042", "Bâtiment B", quote.date.strftime(
            "%d/%m/%Y"), "Parties communes", "Nettoyage des vitres",
        "Halls et cages d'escalier", "Fournitures", "Prestation exonérée", "Produits fournis.",
        # By rate: 20 % on 0,52 (VAT 0,10), 10 % on 1 234,50 (123,45), 0 % on 50,00.
        f"20{NBSP}% {euros('0,52')} {euros('0,10')}",
        f"10{NBSP}% {euros('1 234,50')} {euros('123,45')}",
        f"0{NBSP}% {euros('50,00')} {euros('0,00')}",
        f"Total HT {euros('1 285,02')}", f"Total TVA {euros('123,55')}",
        f"Total TTC {euros('1 408,57')}",
        "TVA non applicable, art. 293 B du CGI",  # the wording of the 0 % rate
        "BON POUR ACCORD", "Lu et approuvé", "Page 1 / 1",
        "SIRET 732 829 320 00074", "Déclaration SAP n° SAP732829320",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "brouillon" not in text and "Remise" not in text


def test_an_english_interface_still_prints_a_french_quote(quote):
    from django.utils import translation

    with translation.override("en"):
        [text] = pages(quote_pdf(quote=quote))
    assert f"Total TTC {euros('1 408,57')}" in text
    assert f"10{NBSP}% {euros('1 234,50')} {euros('123,45')}" in text
    assert f"0{NBSP}% {euros('50,00')} {euros('0,00')}" in text


def test_a_draft_says_so(quote):
    [text] = pages(quote_pdf(quote=quote))
    assert "Devis (brouillon)" in text


def test_a_draft_is_watermarked_and_has_nothing_to_sign(quote, rep):
    [draft] = pages(quote_pdf(quote=quote))
    assert "BROUILLON" in draft
    assert "BON POUR ACCORD" not in draft and "Signature" not in draft
    assert "Brouillon : ce document n\N{RIGHT SINGLE QUOTATION MARK}est pas une offre" in draft
    quote_finalize(quote=quote, by=rep)
    quote.refresh_from_db()
    [final] = pages(quote_pdf(quote=quote))
    assert "BROUILLON" not in final and "pas une offre" not in final
    assert "BON POUR ACCORD" in final and "Signature, précédée" in final


def test_a_long_quote_has_the_legal_mentions_and_its_reference_on_every_page(quote, rep):
    for n in range(30):
        quote_line_add(quote=quote, by=rep, line_type="free", description=f"Passage {n}",
                       quantity=Decimal(1), unit_price=Decimal("10"),
                       vat_rate=vat_rate("20"))  # fmt: skip
    texts = pages(quote_pdf(quote=quote))
    assert len(texts) == 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} / 2" in text
        assert "SIRET 732 829 320 00074" in text and "Clair & Net Services, SAS" in text
    assert "Devis brouillon · Résidence Les Tilleuls" in texts[1]
    assert "Total TTC" in texts[1]
    assert all("BROUILLON" in text for text in texts)


def test_user_text_is_printed_verbatim_never_evaluated(rep, company):
    customer = CustomerFactory(sales_rep=rep, name=HOSTILE, street="#sys.exit()")
    quote = quote_create(customer=customer, by=rep, notes="$ maths $ *gras* _italique_")
    quote_line_add(quote=quote, by=rep, line_type="free", description="#sys.exit()",
                   quantity=Decimal(1), unit_price=Decimal("10"),
                   vat_rate=vat_rate("20"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="section", description='#panic("x")')
    [text] = pages(quote_pdf(quote=quote))
    assert HOSTILE in text  # in the address window
    assert text.count("#sys.exit()") == 2  # the street and the line
    assert '#panic("x")' in text and "$ maths $ *gras* _italique_" in text
    assert "root:" not in text


def test_the_quote_is_pdf_a_3b(quote):
    reader = PdfReader(io.BytesIO(quote_pdf(quote=quote)))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert reader.trailer["/Root"]["/OutputIntents"]
    assert reader.metadata.title == "Devis brouillon \N{EN DASH} Clair & Net Services"


def test_service_images_and_the_logo_are_printed(quote, rep, company):
    service = ServiceFactory(label="Vitrerie")
    service_image_add(service=service, upload=image_upload("vitres.png", (800, 600)), by=None)
    quote_line_add(quote=quote, by=rep, line_type="service", service=service)
    company.logo.save("logo.png", image_upload("logo.png", (600, 200)))
    reader = PdfReader(io.BytesIO(quote_pdf(quote=quote)))
    assert "Vitrerie" in reader.pages[0].extract_text()
    assert " heure " in reader.pages[0].extract_text()  # the unit's French label
    widths = sorted(image.image.width for image in reader.pages[0].images)
    assert widths == [173, 600]  # the line's image shrunk to print size (190 x 130), the logo


def test_the_pdf_reads_the_same_queries_for_3_or_13_lines(quote, rep):
    """Lines, their service's first image and the company: no query per line."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            quote_pdf(quote=Quote.objects.select_related("customer", "site").get(pk=quote.pk))
        return len(captured)

    few = queries()
    for n in range(10):
        service = ServiceFactory(label=f"Prestation illustrée {n}")
        service_image_add(service=service, upload=image_upload(f"p{n}.png", (60, 40)), by=None)
        quote_line_add(quote=quote, by=rep, line_type="service", service=service)
    assert queries() == few


@pytest.fixture
def broken_layout(monkeypatch):
    """A quote whose data lacks what the template prints: a bug in the data builder."""
    from creneau.quotes import documents

    real = documents.quote_print_data

    def without_totals(**kwargs):
        data = real(**kwargs)
        del data["totals"]
        return data

    monkeypatch.setattr(documents, "quote_print_data", without_totals)


def test_a_layout_failure_on_finalising_changes_nothing_and_says_so(
    quote, rep, client_for, broken_layout, private_storage, caplog
):
    url = reverse("quotes:detail", args=[quote.pk])
    client = client_for(rep)
    with caplog.at_level(logging.ERROR, logger="creneau.core.pdf"):
        response = client.post(
            reverse("quotes:finalize", args=[quote.pk]),
            headers={"Referer": f"http://testserver{url}"},
        )
    assert response.status_code == 302 and response["Location"].endswith(url)
    page = client.get(url).content.decode()
    assert "Le PDF n&#x27;a pas pu être produit" in page
    assert "quotes/quote.typ" in caplog.text and "totals" in caplog.text
    quote.refresh_from_db()
    assert (quote.status, quote.number, quote.pdf.name) == (Quote.Status.DRAFT, None, "")
    assert not any(private_storage.rglob("*.pdf"))


def test_a_layout_failure_through_the_api_answers_500_in_french(quote, rep, api_for, broken_layout):
    response = api_for(rep).post(f"/api/v1/quotes/{quote.pk}/send",
                                 data={"to": ["client@example.fr"]},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 500
    assert "Le PDF n'a pas pu être produit" in response.json()["detail"]
    quote.refresh_from_db()
    assert quote.number is None and not OutboxEmail.objects.exists()


def test_a_layout_failure_sends_nothing(quote, rep, broken_layout):
    from creneau.core.pdf import PdfRenderError

    with pytest.raises(PdfRenderError):
        quote_send(quote=quote, by=rep, to=["client@example.fr"])
    assert not OutboxEmail.objects.exists()
    assert Quote.objects.get(pk=quote.pk).number is None
