"""The mandate form (PDF, read back with pypdf) and what a mandate changes on invoices: the
RUM copied at issue (one by one and in a billing run), the debit printed instead of the
transfer, and a Factur-X still valid (XSD, EN 16931 and French CTC Schematron) with code 59,
the mandate (BT-89), the creditor (BT-90) and the debited account (BT-91)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.documents import invoice_pdf_bytes
from creneau.billing.facturx import NAMESPACES, invoice_facturx_xml
from creneau.billing.models import Invoice
from creneau.billing.runs import billing_run_create, billing_run_execute, billing_run_issue
from creneau.billing.tests.facturx_fixtures import (
    business_customer,
    individual_customer,
    make_invoice,
    pdf_text,
    service,
)
from creneau.billing.tests.facturx_validation import facturx_problems, french_ctc_failed_asserts
from creneau.billing.tests.runs_helpers import (
    MONTH_END,
    MONTH_START,
    customer_with_sites,
    done_visit,
    hourly_service,
)
from creneau.customers.models import Customer
from creneau.payments.mandates import mandate_create, mandate_revoke
from creneau.payments.models import MandateType
from creneau.payments.print.mandate import mandate_pdf
from creneau.payments.tests.mandate_helpers import (
    CREDITOR_ID,
    DEBTOR_IBAN,
    collecting_company,
    signed_mandate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    return collecting_company()


def one(xml: bytes, path: str) -> str:
    [value] = etree.fromstring(xml).xpath(path, namespaces=NAMESPACES)
    return value if isinstance(value, str) else value.text


def test_the_core_form_carries_what_the_rulebook_asks(company):
    customer = individual_customer()
    mandate = signed_mandate(customer, signature_place="Nantes")
    text = " ".join(pdf_text(mandate_pdf(mandate=mandate)).split())
    for expected in [
        "Mandat de prélèvement SEPA", mandate.rum, CREDITOR_ID, "Clair & Net Services",
        "14 rue du Calvaire, 44000 Nantes", "Jeanne Martin", "3 allée des Roses",
        "FR14 2004 1010 0505 0001 3M02 606", "PSSTFRPP", "Paiement récurrent",
        "vous autorisez (A) Clair & Net Services à envoyer des instructions à votre banque",
        "dans les 8 semaines", "Fait à : Nantes", mandate.signature_date.strftime("%d/%m/%Y"),
        "Signature",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "B2B" not in text.replace("(CORE)", "")


def test_the_b2b_form_says_there_is_no_refund(company):
    mandate = mandate_create(
        customer=business_customer(), by=None, iban=DEBTOR_IBAN, type=MandateType.ONE_OFF
    )
    text = " ".join(pdf_text(mandate_pdf(mandate=mandate)).split())
    assert "Vous n'avez pas droit à un remboursement" in text
    assert "8 semaines" not in text
    assert "B2B" in text and mandate.rum in text


def test_a_reps_copy_masks_the_account(company):
    mandate = signed_mandate(individual_customer())
    text = pdf_text(mandate_pdf(mandate=mandate, reveal_bank=False))
    assert "FR14 •••• 2606" in text and "3M02 606" not in text


def _invoice(customer, direction):
    cleaning = service("NET", "25", "20", unit="visit")
    return make_invoice(
        customer,
        direction,
        [{"line_type": "service", "service": cleaning, "quantity": Decimal(4)}],
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
    )


@pytest.mark.parametrize("make_customer", [individual_customer, business_customer])
def test_an_invoice_under_a_mandate_prints_the_debit_and_stays_valid(
    company, direction, make_customer
):
    customer = make_customer()
    mandate = signed_mandate(customer)
    invoice = _invoice(customer, direction)
    assert invoice.debit_mandate_rum == mandate.rum
    due = invoice.due_date.strftime("%d/%m/%Y")
    text = " ".join(pdf_text(invoice_pdf_bytes(invoice=invoice)).split())
    assert (
        f"Règlement par prélèvement SEPA le {due} sur le compte FR14 •••• 2606 "
        f"\N{EM DASH} mandat {mandate.rum}, ICS {CREDITOR_ID}"
    ) in text
    assert "Règlement par virement" not in text
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    if customer.kind == Customer.Kind.BUSINESS:
        assert [str(failure) for failure in french_ctc_failed_asserts(xml)] == []
    settlement = "//ram:ApplicableHeaderTradeSettlement"
    assert one(xml, f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "59"
    assert one(xml, f"{settlement}/ram:CreditorReferenceID") == CREDITOR_ID
    assert one(xml, "//ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID") == mandate.rum
    assert one(xml, "//ram:PayerPartyDebtorFinancialAccount/ram:IBANID") == DEBTOR_IBAN


def test_without_an_active_signed_mandate_an_invoice_asks_a_transfer(company, direction):
    customer = individual_customer()
    mandate_create(customer=customer, by=None, iban=DEBTOR_IBAN)  # not signed yet
    invoice = _invoice(customer, direction)
    assert invoice.debit_mandate_rum == ""
    assert "Règlement par virement" in pdf_text(invoice_pdf_bytes(invoice=invoice))
    assert one(invoice_facturx_xml(invoice=invoice), "//ram:TypeCode[.='58']") == "58"


def test_a_revoked_mandate_is_not_copied_and_a_credit_note_has_none(company, direction):
    customer = individual_customer()
    mandate = signed_mandate(customer)
    invoice = _invoice(customer, direction)
    credit_note = credit_note_create(invoice=invoice, by=direction)
    assert credit_note.debit_mandate_rum == ""
    assert facturx_problems(invoice_facturx_xml(invoice=credit_note)) == []
    mandate_revoke(mandate=mandate, by=direction)
    assert _invoice(customer, direction).debit_mandate_rum == ""


def test_a_billing_run_copies_the_mandate_too(company, direction):
    service_ = hourly_service()
    customer, (site,) = customer_with_sites(["A"], iban=DEBTOR_IBAN)
    other, (other_site,) = customer_with_sites(["A"])
    mandate = signed_mandate(customer)
    done_visit(site, service_, date(2026, 3, 3))
    done_visit(other_site, service_, date(2026, 3, 4))
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    billing_run_issue(run=run, by=direction, enqueue=False)
    billing_run_execute(run_id=run.pk)
    rums = dict(
        Invoice.objects.filter(billing_run=run).values_list("customer_id", "debit_mandate_rum")
    )
    assert rums == {customer.pk: mandate.rum, other.pk: ""}
