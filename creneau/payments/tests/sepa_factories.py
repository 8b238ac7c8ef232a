"""SEPA mandates and debit-ready invoices for the batch tests: mandates are made as rows
(the mandates' own services are tested with their screens), invoices through billing's
services, then given the due date a test needs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from schwifty import IBAN

from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice
from creneau.core.models import Company
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Mandate, MandateScheme, MandateStatus, MandateType
from creneau.payments.sepa_calendar import next_target_business_day

CREDITOR_ID = "FR78ZZZ123456"
COMPANY_IBAN = "FR7630006000011234567890189"


def debtor_iban(number: int) -> str:
    return str(IBAN.generate("FR", bank_code="30006", account_code=f"{number:011d}"))


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate

    customer = factory.SubFactory(
        CustomerFactory, email=factory.Sequence(lambda n: f"debiteur{n}@example.fr")
    )
    rum = factory.Sequence(lambda n: f"RUM-TEST-{n:06d}")
    debtor_name = factory.LazyAttribute(lambda mandate: mandate.customer.name)
    iban = factory.Sequence(lambda n: debtor_iban(n + 1))
    bic = "AGRIFRPP"
    scheme = MandateScheme.CORE
    type = MandateType.RECURRENT
    signature_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    signature_place = "Paris"
    status = MandateStatus.ACTIVE


def sepa_company(**fields) -> Company:
    """The company with what a pain.008 needs: ICS, IBAN, BIC."""
    company = Company.load()
    company.sepa_creditor_id = CREDITOR_ID
    company.iban = COMPANY_IBAN
    company.bic = "AGRIFRPP"
    for name, value in fields.items():
        setattr(company, name, value)
    company.save()
    return company


def collection_day(days_ahead: int = 3) -> date:
    """A TARGET2 business day at least `days_ahead` days from today."""
    return next_target_business_day(timezone.localdate() + timedelta(days=days_ahead - 1))


def debit_invoice(
    *,
    customer: Customer,
    amount: str = "100",
    due_date: date | None = None,
    **fields,
) -> Invoice:
    """An issued invoice of `amount` euros before VAT (20 %), due on `due_date` (today by
    default)."""
    invoice = issued_invoice(
        customer=customer, lines=[("Entretien des bureaux", "1", amount, "20")]
    )
    values = {"due_date": due_date or timezone.localdate(), **fields}
    Invoice.objects.filter(pk=invoice.pk).update(**values)
    invoice.refresh_from_db()
    return invoice


def mandate_with_invoice(amount: str = "100", **mandate_fields) -> tuple[Mandate, Invoice]:
    mandate = MandateFactory(**mandate_fields)
    return mandate, debit_invoice(customer=mandate.customer, amount=amount)


TOTAL_OF_100 = Decimal("120.00")
