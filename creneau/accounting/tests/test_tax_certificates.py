"""The tax certificates' figures (the worked example, to the cent), hours from the done
interventions, the exclusions, regeneration keeping the sent version, sending through the
outbox, the PDF read back, the command and the demo loader."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from creneau.accounting.demo import demo_tax_certificates
from creneau.accounting.models import TaxCertificate
from creneau.accounting.tax_certificate_exclusions import tax_certificate_exclusions
from creneau.accounting.tax_certificate_sending import tax_certificate_send
from creneau.accounting.tax_certificate_services import (
    tax_certificate_pdf,
    tax_certificate_pdfs_render,
    tax_certificate_regenerate,
    tax_certificate_year_check,
    tax_certificates_generate,
)
from creneau.accounting.tax_certificates import ExclusionReason, year_paid_amounts
from creneau.accounting.tests.tax_certificate_data import (
    AMOUNT_PAID,
    CESU,
    YEAR,
    at,
    dated,
    line,
    make_invoice,
    pay,
    visit,
    with_visits,
    worked_example,
)
from creneau.billing.tests.facturx_fixtures import business_customer, euros
from creneau.core.models import Company, OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.payments.models import Refund
from creneau.payments.services import payment_reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def example():
    return worked_example()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def generate(year: int = YEAR) -> TaxCertificate:
    tax_certificates_generate(year=year, by=None)
    tax_certificate_pdfs_render(year=year)
    return TaxCertificate.objects.select_related("customer").get(year=year)


def test_the_worked_example_to_the_cent(example):
    figures = year_paid_amounts(YEAR)[example["customer"].pk]
    assert figures.amount_paid == AMOUNT_PAID  # 330,00 + 62,26
    assert figures.cesu_prefinanced == CESU  # 36,74, apart
    # December 2024's invoice paid in January 2025 counts in 2025, not in 2024 (where only
    # October's, paid in November, counts); November 2025's paid in 2026 counts in 2026.
    assert year_paid_amounts(2024)[example["customer"].pk].amount_paid == Decimal("165.00")
    assert year_paid_amounts(2026)[example["customer"].pk].amount_paid == Decimal("66.00")
    certificate = generate()
    assert (certificate.amount_paid, certificate.cesu_prefinanced) == (AMOUNT_PAID, CESU)
    assert certificate.status == TaxCertificate.Status.DRAFT


def test_a_reversed_payment_no_longer_counts_and_a_refund_changes_nothing(example):
    customer = example["customer"]
    extra = make_invoice(customer, None, [line(example["home_help"], "1")])
    dated(extra, date(2025, 5, 5))
    bounced = pay(customer, date(2025, 5, 6), "33.00", extra)
    assert year_paid_amounts(YEAR)[customer.pk].amount_paid == AMOUNT_PAID + Decimal("33.00")
    payment_reverse(payment=bounced, by=None, reason="Chèque impayé")
    assert year_paid_amounts(YEAR)[customer.pk].amount_paid == AMOUNT_PAID
    # An overpayment refunded: the refund takes back the unallocated credit, never counted.
    overpaid = pay(customer, date(2025, 6, 1), "33.00", extra)
    from creneau.payments.services import payment_create

    surplus = payment_create(
        customer=customer, by=None, amount=Decimal("20"), method="transfer", date=date(2025, 6, 2)
    )
    Refund.objects.create(
        payment=surplus, customer=customer, date=date(2025, 6, 3), amount=Decimal("20"),
        method=Refund.Method.TRANSFER,
    )  # fmt: skip
    assert overpaid.allocations.count() == 1
    assert year_paid_amounts(YEAR)[customer.pk].amount_paid == AMOUNT_PAID + Decimal("33.00")


def test_hours_per_employee_from_done_sap_interventions_only(example):
    with_visits(example)
    certificate = generate()
    assert certificate.employees == [
        {"name": "Alice Durand", "hours": "5.50"},  # 2 h 30 actual + 3 h
        {"name": "Bruno Petit", "hours": "1.25"},  # 31 December, 22:00 local: in 2025
    ]
    assert certificate.hours == Decimal("6.75")
    months = [row["months"] for row in certificate.data["employees"]]
    assert months == [
        [
            {"month": "mars 2025", "visits": "1 intervention", "hours": "2,50\u00a0h"},
            {"month": "juin 2025", "visits": "1 intervention", "hours": "3,00\u00a0h"},
        ],
        [{"month": "décembre 2025", "visits": "1 intervention", "hours": "1,25\u00a0h"}],
    ]
    # The home help billed in 2025 (invoices B and C; A is of 2024), not the windows.
    price = "Prestation MEN\u00a0: " + euros("33,00") + " TTC / heure"
    assert certificate.data["prices"] == [price]


def test_the_pdf_prints_the_amounts_the_french_way_and_the_mentions(example):
    with_visits(example)
    pdf = tax_certificate_pdf(generate())
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert euros("392,26") in text and euros("36,74") in text
    assert euros("429,00") in text  # total paid: 392,26 + 36,74
    assert "Attestation fiscale" in text and "2025" in text
    assert "Clair & Net Services" in text and "732 829 320 00074" in text
    assert "n° SAP732829320 du 14/05/2019" in flat
    assert "Jeanne Martin" in text and "3 allée des Roses" in text
    assert "Alice Durand" in text and "5,50\u00a0h" in text
    assert "mars 2025" in flat and "juin 2025" in flat and "décembre 2025" in flat
    assert "2 interventions" in flat and "2,50\u00a0h" in text and "1,25\u00a0h" in text
    assert "Prix des prestations" in flat and euros("33,00") + " TTC / heure" in text
    assert "Seul le montant restant à la charge" in flat
    assert "seule la part que vous avez personnellement financée" in flat


def test_without_cesu_the_pdf_has_no_cesu_notice():
    company = Company.load()
    company.sap_number = "SAP1"
    company.save()
    customer = CustomerFactory(name="Paul Roux")
    SiteFactory(customer=customer)
    from creneau.accounting.tests.tax_certificate_data import services_pair

    home_help, _windows = services_pair()
    invoice = dated(make_invoice(customer, None, [line(home_help, "1")]), date(2025, 1, 5))
    pay(customer, date(2025, 1, 6), "33.00", invoice)
    flat = " ".join(pdf_text(tax_certificate_pdf(generate())).split())
    assert "Seul le montant restant à la charge" in flat
    assert "personnellement financée" not in flat


def test_exclusions_with_their_reasons(example):
    business = business_customer()
    home_help = example["home_help"]
    invoice = dated(make_invoice(business, None, [line(home_help, "1")]), date(2025, 4, 1))
    pay(business, date(2025, 4, 2), "33.00", invoice)
    unpaid = CustomerFactory(name="Zoé Impayé")
    SiteFactory(customer=unpaid)
    dated(make_invoice(unpaid, None, [line(home_help, "1")]), date(2025, 4, 1))
    no_email = CustomerFactory(name="Yves Sansmail", email="")
    SiteFactory(customer=no_email)
    invoice = dated(make_invoice(no_email, None, [line(home_help, "1")]), date(2025, 4, 1))
    pay(no_email, date(2025, 4, 2), "33.00", invoice)
    summary = tax_certificates_generate(year=YEAR, by=None)
    assert summary.created == 2  # Jeanne Martin and Yves Sansmail
    reasons = {(row["customer"].name, row["reason"]) for row in summary.excluded}
    assert reasons == {
        (business.name, ExclusionReason.BUSINESS),
        ("Zoé Impayé", ExclusionReason.NOTHING_PAID),
    }
    page = tax_certificate_exclusions(year=YEAR)
    rows = {(row["customer"].name, row["reason"]) for row in page["rows"]}
    assert rows == reasons | {("Yves Sansmail", ExclusionReason.NO_EMAIL)}
    certificate = TaxCertificate.objects.get(customer=no_email)
    with pytest.raises(ValidationError, match="Aucune adresse e-mail"):
        tax_certificate_send(certificate=certificate, by=None)


def test_no_certificate_without_the_company_sap_number(example):
    company = Company.load()
    company.sap_number = ""
    company.save()
    with pytest.raises(ValidationError, match="numéro de déclaration"):
        tax_certificates_generate(year=YEAR, by=None)
    assert not TaxCertificate.objects.exists()


def test_sending_puts_an_email_with_the_pdf_in_the_outbox(example):
    certificate = generate()
    email = tax_certificate_send(certificate=certificate, by=None)
    assert email.to == ["jeanne.martin@example.fr"]
    assert "Attestation fiscale 2025" in email.subject
    assert euros("392,26") in email.body
    attachment = OutboxEmail.objects.get(pk=email.pk).attachments.get()
    assert attachment.filename == "attestation-fiscale-2025-c00007-jeanne-martin.pdf"
    assert attachment.mimetype == "application/pdf"
    attached = attachment.file.open("rb").read()
    assert euros("392,26") in pdf_text(attached) and "Alice" not in pdf_text(attached)
    certificate.refresh_from_db()
    assert certificate.status == TaxCertificate.Status.SENT
    assert certificate.sent_amount_paid == AMOUNT_PAID and certificate.sent_pdf
    sent = certificate.sent_pdf.open("rb").read()
    assert euros("392,26") in pdf_text(sent)


def test_regeneration_keeps_the_sent_version(example, django_capture_on_commit_callbacks):
    certificate = generate()
    tax_certificate_send(certificate=certificate, by=None)
    # Generated again unchanged: still sent.
    assert tax_certificates_generate(year=YEAR, by=None).unchanged == 1
    certificate.refresh_from_db()
    assert certificate.status == TaxCertificate.Status.SENT
    # A payment of 2025 recorded late: the certificate changes, the sent one stays.
    customer = example["customer"]
    extra = dated(make_invoice(customer, None, [line(example["home_help"], "1")]), date(2025, 9, 1))
    pay(customer, date(2025, 9, 2), "33.00", extra)
    certificate.refresh_from_db()
    old_pdf = certificate.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        regenerated = tax_certificate_regenerate(certificate=certificate, by=None)
    # The replaced version's file is gone; the sent copy stays: two files in all.
    storage = regenerated.pdf.storage
    _folders, files = storage.listdir(old_pdf.rsplit("/", 1)[0])
    assert sorted(files) == sorted(
        name.rsplit("/", 1)[1] for name in (regenerated.pdf.name, regenerated.sent_pdf.name)
    )
    assert regenerated.status == TaxCertificate.Status.DRAFT  # "modifiée depuis l'envoi"
    assert regenerated.amount_paid == AMOUNT_PAID + Decimal("33.00")
    assert regenerated.sent_amount_paid == AMOUNT_PAID and regenerated.sent_at
    assert euros("392,26") in pdf_text(regenerated.sent_pdf.open("rb").read())
    assert euros("425,26") in pdf_text(tax_certificate_pdf(regenerated))


def test_a_certificate_never_sent_is_removed_when_nothing_is_paid_any_more(example):
    generate()
    for payment in example["customer"].payments.filter(date__year=YEAR):
        payment_reverse(payment=payment, by=None, reason="Erreur")
    summary = tax_certificates_generate(year=YEAR, by=None)
    assert summary.removed == 1 and not TaxCertificate.objects.exists()


def test_year_bounds():
    assert tax_certificate_year_check("2025") == 2025
    for bad in ("1999", "2100", "abc", "", None):
        with pytest.raises(ValidationError):
            tax_certificate_year_check(bad)


def test_the_command_generates_and_sends(example, direction):
    out = io.StringIO()
    call_command("tax_certificates", "--year", "2025", "--send", stdout=out)
    assert "créées 1," in out.getvalue() and "Envoyées : 1" in out.getvalue()
    certificate = TaxCertificate.objects.get()
    assert certificate.status == TaxCertificate.Status.SENT and certificate.pdf
    assert OutboxEmail.objects.count() == 1


def test_the_command_refuses_a_future_year(direction):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Année hors limites"):
        call_command("tax_certificates", "--year", "2999", stdout=io.StringIO())


def test_the_demo_loader(example):
    assert "générées 1 (1 PDF)" in demo_tax_certificates(year=YEAR)
    assert TaxCertificate.objects.get().pdf
    assert "déjà présentes" in demo_tax_certificates(year=YEAR)


def test_without_its_own_email_the_invoice_recipients_get_it(example):
    from creneau.customers.models import InvoiceRecipient

    customer = example["customer"]
    customer.email = ""
    customer.save()
    InvoiceRecipient.objects.create(customer=customer, email="fils.martin@example.fr")
    InvoiceRecipient.objects.create(
        customer=customer, email="relances@example.fr", for_invoices=False
    )
    email = tax_certificate_send(certificate=generate(), by=None)
    assert email.to == ["fils.martin@example.fr"]


def test_the_company_page_saves_the_sap_declaration_date(direction, client_for):
    from creneau.core.tests.conftest import VALID_IDENTITY

    client = client_for(direction)
    assert 'name="sap_declaration_date"' in client.get("/settings/company/").content.decode()
    data = {**VALID_IDENTITY, "sap_number": "SAP123456789", "sap_declaration_date": "2019-05-14"}
    assert client.post("/settings/company/", data).status_code == 302
    assert Company.load().sap_declaration_date == date(2019, 5, 14)
    response = client.post("/settings/company/", {**data, "sap_declaration_date": "14/13/2019"})
    assert "Saisissez une date valide" in response.content.decode()
    assert (
        client.post("/settings/company/", {**data, "sap_declaration_date": ""}).status_code == 302
    )
    assert Company.load().sap_declaration_date is None


def _paying_customer_with_visits(home_help, employee, index: int) -> None:
    customer = CustomerFactory(name=f"Client {index}")
    site = SiteFactory(customer=customer)
    invoice = dated(make_invoice(customer, None, [line(home_help, "1")]), date(2025, 4, 1))
    pay(customer, date(2025, 4, 2), "33.00", invoice)
    visit(site, home_help, employee, at(2025, 4 + index % 3, 1, 9), 1)


def test_the_figures_queries_do_not_grow_with_the_customers(example):
    """The months and prices come from aggregate queries over all the customers at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from creneau.accounting.tax_certificates import year_figures

    with_visits(example)
    counts = []
    for index in range(4):
        with CaptureQueriesContext(connection) as captured:
            figures, _hours = year_figures(YEAR)
        counts.append(len(captured))
        _paying_customer_with_visits(example["home_help"], example["bruno"], index)
    assert len(figures) == 4  # Jeanne Martin and three others
    assert len(set(counts)) == 1, counts
    assert all(entry.details[0]["months"] and entry.prices for entry in figures.values())
