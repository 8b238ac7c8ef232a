"""The invoice's and credit note's PDF: a Typst PDF/A-3b with every legal mention, read
back with pypdf, with its Factur-X XML attached; stored once when issued."""

import io
import re
from datetime import date
from decimal import Decimal

import facturx
import pytest
from pypdf import PdfReader

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.documents import (
    invoice_facturx_document,
    invoice_facturx_filename,
    invoice_pdf_bytes,
    invoice_pdf_document,
    invoice_pdf_filename,
    invoice_pdf_store,
)
from creneau.billing.facturx import invoice_facturx_xml
from creneau.billing.models import Invoice
from creneau.billing.tasks import make_invoice_pdf
from creneau.billing.tests.facturx_fixtures import (
    NBSP,
    business_customer,
    company_with_identity,
    euros,
    individual_customer,
    make_invoice,
    pdf_text,
    service,
)
from creneau.billing.tests.facturx_validation import facturx_problems
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.services import customer_update
from creneau.customers.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    return company_with_identity()


@pytest.fixture
def individual(db):
    return individual_customer()


@pytest.fixture
def business(db):
    return business_customer()


INDEMNITY = "Indemnité forfaitaire pour frais de recouvrement : 40"
SAP = "article 199 sexdecies du CGI"


def flat(text: str) -> str:
    """The text with its line breaks as spaces: a mention may wrap."""
    return re.sub(r" *\n *", " ", text)


def home_help_lines():
    home_help = service("MEN", "30", "10", unit="hour", is_personal_service=True)
    return [{"line_type": "service", "service": home_help, "quantity": Decimal("6.5")}]


@pytest.fixture
def individual_invoice(company, individual, direction):
    return make_invoice(individual, direction, home_help_lines(),
                        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))  # fmt: skip


@pytest.fixture
def business_invoice(company, business, direction):
    return make_invoice(business, direction, [
        {"line_type": "service", "service": service("NET", "25", "20", unit="visit"),
         "quantity": Decimal(8)},
        {"line_type": "free", "description": "Produits", "quantity": Decimal(1),
         "unit_price": Decimal("12.40"), "vat_rate": vat_rate("5.5")},
        {"line_type": "free", "description": "Cours", "quantity": Decimal(1),
         "unit_price": Decimal("50"), "vat_rate": vat_rate("0")},
    ])  # fmt: skip


def test_an_individual_invoice_prints_its_legal_mentions(individual_invoice, individual):
    invoice = individual_invoice
    text = pdf_text(invoice_pdf_bytes(invoice=invoice))
    for expected in [
        "Facture", invoice.number, invoice.issue_date.strftime("%d/%m/%Y"),
        invoice.due_date.strftime("%d/%m/%Y"), "Jeanne Martin", "3 allée des Roses",
        "44300 Nantes", "C00007", "Période : du 01/10/2026 au 31/10/2026",
        "Lieu d'intervention : Domicile \N{EN DASH} 3 allée des Roses, 44300 Nantes",
        "Prestation MEN", "6,5", "heure", euros("30,00"), f"10{NBSP}%",
        f"Total HT {euros('195,00')}", f"Total TVA {euros('19,50')}",
        f"Total TTC {euros('214,50')}", "Paiement à 15 jours",
        "Nature des opérations : prestations de services",
        f"Pénalités de retard : taux annuel de 12,5{NBSP}%",
        "IBAN FR76 3000 6000 0112 3456 7890 189", "BIC AGRIFRPP",
        "Escompte pour paiement anticipé : néant",
        # The seller (layout): identity, registration, VAT number.
        "Clair & Net Services, SAS au capital de", "RCS Nantes 732 829 320",
        "N° TVA FR44732829320", "Page 1 / 1",
    ]:  # fmt: skip
        assert expected in text, expected
    flat_text = flat(text)
    assert SAP in flat_text and "Déclaration SAP n° SAP732829320" in flat_text
    # Never for an individual.
    assert "recouvrement" not in text
    assert "SIREN du client" not in text
    assert "débits" not in text
    assert "BROUILLON" not in text


def test_a_business_invoice_prints_siren_vat_the_indemnity_and_the_exemption(
    business_invoice,
):
    text = pdf_text(invoice_pdf_bytes(invoice=business_invoice))
    flat_text = flat(text)
    for expected in [
        "Résidence Les Tilleuls SARL", "8 boulevard Guist'hau", "SIREN du client : 552 100 554",
        "N° TVA du client : FR96552100554",
        "Lieu d'intervention : Bâtiment B \N{EN DASH} 12 rue des Tilleuls, 44100 Nantes",
        f"{INDEMNITY}{NBSP}€", "Paiement à 30 jours",
        "TVA non applicable, art. 293 B du CGI",
        f"20{NBSP}% {euros('200,00')} {euros('40,00')}",
        f"5,5{NBSP}% {euros('12,40')} {euros('0,68')}",
        f"0{NBSP}% {euros('50,00')} {euros('0,00')}",
    ]:  # fmt: skip
        assert expected in flat_text, expected
    assert SAP not in flat_text  # services à la personne: for individuals only


def test_no_sap_mention_without_a_sap_service_or_a_sap_number(company, individual, direction):
    plain = make_invoice(individual, direction, [
        {"line_type": "service", "service": service("VIT", "20"), "quantity": Decimal(1)},
    ])  # fmt: skip
    assert SAP not in flat(pdf_text(invoice_pdf_bytes(invoice=plain)))
    company.sap_number = ""
    company.save()
    sap_service = make_invoice(individual, direction, home_help_lines())
    assert SAP not in flat(pdf_text(invoice_pdf_bytes(invoice=sap_service)))


def test_vat_on_debits_is_printed_when_chosen(company, business_invoice):
    company.vat_on_debits = True
    company.save()
    text = flat(pdf_text(invoice_pdf_bytes(invoice=business_invoice)))
    assert "Option pour le paiement de la taxe d'après les débits" in text


def test_the_pdf_carries_the_facturx_xml_it_was_built_with(business_invoice):
    pdf = invoice_pdf_bytes(invoice=business_invoice)
    filename, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    assert embedded == invoice_facturx_xml(invoice=business_invoice)
    assert facturx_problems(embedded) == []
    metadata = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data().decode()
    assert "EN 16931" in xmp and "<pdfaid:part>3</pdfaid:part>" in xmp


def test_a_credit_note_is_titled_avoir_and_names_its_invoice(business_invoice, direction):
    credit_note = credit_note_create(invoice=business_invoice, by=direction)
    pdf = invoice_pdf_bytes(invoice=credit_note)
    text = flat(pdf_text(pdf))
    issued = business_invoice.issue_date.strftime("%d/%m/%Y")
    assert "Avoir" in text and credit_note.number in text
    assert f"Avoir sur la facture {business_invoice.number} du {issued}." in text
    assert f"Facture d'origine : {business_invoice.number} du {issued}" in text
    assert f"Total de l'avoir TTC {euros('303,08')}" in text
    assert "IBAN" not in text  # deducted or refunded, not paid
    _name, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in embedded


def test_a_draft_is_a_marked_preview_of_the_live_customer(company, individual, direction):
    draft = make_invoice(individual, direction, home_help_lines(), issue=False)
    customer_update(customer=individual, by=direction, name="Jeanne Martin-Durand")
    pdf = invoice_pdf_document(invoice=draft)
    text = pdf_text(pdf)
    assert "Facture provisoire" in text and "BROUILLON" in text
    assert "Jeanne Martin-Durand" in text
    assert "F-20" not in text  # no number
    assert facturx.get_xml_from_pdf(pdf, check_xsd=False) == (False, False)  # no XML
    assert invoice_pdf_filename(draft).startswith(f"facture-brouillon-{draft.pk}-")
    draft.refresh_from_db()
    assert not draft.pdf  # nothing stored


def test_an_issued_invoice_prints_its_frozen_customer(individual_invoice, individual, direction):
    customer_update(customer=individual, by=direction, name="Autre Nom", street="1 rue Neuve")
    text = pdf_text(invoice_pdf_bytes(invoice=individual_invoice))
    assert "Jeanne Martin" in text and "3 allée des Roses" in text
    assert "Autre Nom" not in text and "1 rue Neuve" not in text


def test_the_pdf_is_stored_once(individual_invoice, private_storage):
    invoice = individual_invoice
    first = invoice_pdf_store(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    name = invoice.pdf.name
    assert name.startswith(f"invoices/{invoice.customer_id}/facture-{invoice.number}-")
    second = invoice_pdf_store(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.pdf.name == name and second == first
    assert invoice_pdf_document(invoice=invoice) == first
    assert len(list(private_storage.rglob("*.pdf"))) == 1


def test_a_lost_stored_pdf_is_made_again(individual_invoice, private_storage):
    invoice_pdf_store(invoice_id=individual_invoice.pk)
    for path in private_storage.rglob("*.pdf"):
        path.unlink()
    individual_invoice.refresh_from_db()
    content = invoice_pdf_document(invoice=individual_invoice)
    assert content.startswith(b"%PDF") and len(list(private_storage.rglob("*.pdf"))) == 1


def test_the_worker_task_stores_the_pdf(individual_invoice):
    make_invoice_pdf.call(individual_invoice.pk)
    individual_invoice.refresh_from_db()
    assert individual_invoice.pdf
    with individual_invoice.pdf.open("rb") as stored:
        _name, embedded = facturx.get_xml_from_pdf(stored.read(), check_xsd=False)
    assert individual_invoice.number.encode() in embedded


def test_issuing_queues_the_pdf_after_commit(company, individual, direction,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(individual, direction, home_help_lines())
    assert DBTaskResult.objects.filter(
        task_path=make_invoice_pdf.module_path, args_kwargs__args=[invoice.pk]
    ).exists()


def test_store_ignores_drafts_and_unknown_ids(company, individual, direction):
    draft = make_invoice(individual, direction, home_help_lines(), issue=False)
    assert invoice_pdf_store(invoice_id=draft.pk) is None
    assert invoice_pdf_store(invoice_id=999999) is None
    assert not Invoice.objects.get(pk=draft.pk).pdf


def test_a_long_invoice_over_two_sites_runs_over_pages(company, business, direction):
    SiteFactory(customer=business, name="Entrepôt", street="2 quai de la Fosse",
                postcode="44000", city="Nantes")  # fmt: skip
    cleaning = service("NET", "25", "20", unit="visit")
    lines = [{"line_type": "section", "description": "Bâtiment B"}]
    lines += [{"line_type": "service", "service": cleaning, "quantity": Decimal(1),
               "description": f"Passage n° {day}"} for day in range(1, 46)]  # fmt: skip
    invoice = make_invoice(business, direction, lines, period_start=date(2026, 10, 1),
                           period_end=date(2026, 10, 31))  # fmt: skip
    pdf = invoice_pdf_bytes(invoice=invoice)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    assert "Lieux d'intervention :" in pages[0]
    assert "Bâtiment B \N{EN DASH} 12 rue des Tilleuls, 44100 Nantes" in pages[0]
    assert "Entrepôt \N{EN DASH} 2 quai de la Fosse, 44000 Nantes" in pages[0]
    assert f"Facture {invoice.number} · Résidence Les Tilleuls SARL" in pages[1]
    assert f"Total TTC {euros('1 350,00')}" in pages[-1]
    _name, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert facturx_problems(embedded) == []


def test_a_new_empty_draft_previews(company, individual, direction):
    draft = make_invoice(individual, direction, [], issue=False)
    text = pdf_text(invoice_pdf_document(invoice=draft))
    assert "Facture provisoire" in text and f"Total TTC {euros('0,00')}" in text


def test_a_pdf_costs_a_few_queries_whatever_its_lines(business_invoice,
                                                      django_assert_num_queries):  # fmt: skip
    invoice = Invoice.objects.get(pk=business_invoice.pk)
    # The company, the customer (its structured address), the lines with their services.
    with django_assert_num_queries(3):
        invoice_pdf_bytes(invoice=invoice)


def test_the_xml_to_download_is_the_one_issued(business_invoice, company):
    issued = invoice_facturx_xml(invoice=business_invoice)
    invoice_pdf_store(invoice_id=business_invoice.pk)  # the worker, when it was issued
    business_invoice.refresh_from_db()
    company.street = "1 place Royale"
    company.save()
    assert invoice_facturx_document(invoice=business_invoice) == issued
    assert b"1 place Royale" in invoice_facturx_xml(invoice=business_invoice)  # built now
    assert invoice_facturx_filename(business_invoice) == (f"factur-x-{business_invoice.number}.xml")


def test_a_draft_xml_is_built_now(company, individual, direction):
    draft = make_invoice(individual, direction, home_help_lines(), issue=False)
    assert f"BROUILLON-{draft.pk}".encode() in invoice_facturx_document(invoice=draft)


def test_user_text_is_printed_never_evaluated(company, individual, direction):
    hostile = '#read("/etc/passwd") *gras* $x$ <l> @ref \\ ]'
    invoice = make_invoice(individual, direction, [
        {"line_type": "free", "description": f"{hostile}\n{hostile}", "quantity": Decimal(1),
         "unit_price": Decimal("10"), "vat_rate": vat_rate("20")},
    ], notes=hostile)  # fmt: skip
    text = pdf_text(invoice_pdf_bytes(invoice=invoice))
    assert text.count('#read("/etc/passwd")') == 3 and "root:" not in text
