"""What the mandate tests share: a company able to collect, customers with bank details,
and a mandate made through the service."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from creneau.billing.tests.facturx_fixtures import company_with_identity
from creneau.core.models import Company
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.mandates import mandate_create
from creneau.payments.models import Mandate

DEBTOR_IBAN = "FR1420041010050500013M02606"  # La Banque Postale: BIC PSSTFRPP
DEBTOR_BIC = "PSSTFRPP"
GERMAN_IBAN = "DE89370400440532013000"
NON_SEPA_IBAN = "BR1800360305000010009795493C1"
CREDITOR_ID = "FR63ZZZ240891"


def collecting_company() -> Company:
    company = company_with_identity()
    company.sepa_creditor_id = CREDITOR_ID
    company.save()
    return company


def debtor(**fields) -> Customer:
    values = {"iban": DEBTOR_IBAN, "bic": DEBTOR_BIC, "code": "C00042"}
    values.update(fields)
    return CustomerFactory(**values)


def signed_mandate(customer: Customer, by=None, **fields) -> Mandate:
    values = {
        "iban": customer.iban or DEBTOR_IBAN,
        "signature_date": timezone.localdate() - timedelta(days=28),
    }
    values.update(fields)
    return mandate_create(customer=customer, by=by, **values)
