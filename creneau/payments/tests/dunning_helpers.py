"""Helpers of the dunning tests: overdue invoices at a chosen due date, the company, a run
previewed then sent at a date."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.dunning import dunning_run_create
from creneau.payments.dunning_send import dunning_run_send
from creneau.payments.models import DunningRun, ReminderLevel

TODAY = timezone.localdate()


def business(**fields) -> Customer:
    return CustomerFactory(kind=Customer.Kind.BUSINESS, siret="73282932000074", **fields)


def overdue(customer: Customer, *, due: date, price: str = "100", group: str = "A") -> Invoice:
    """An issued invoice of `price` excl. VAT at 20 % (gross 1.2 x), due on `due`."""
    invoice = invoice_create(customer=customer, by=None, billing_group=group)
    invoice_line_add(
        invoice=invoice, by=None, line_type="free", description="Entretien des bureaux",
        quantity=Decimal(1), unit_price=Decimal(price), vat_rate=vat_rate("20"),
    )  # fmt: skip
    invoice = invoice_issue(invoice=invoice, by=None)
    issued = min(due, TODAY)
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=issued, due_date=due)
    invoice.refresh_from_db()
    return invoice


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def run_at(as_of: date, by, *, send: bool = True, **send_options) -> DunningRun:
    run = dunning_run_create(as_of=as_of, by=by)
    if send:
        run = dunning_run_send(run=run, by=by, **send_options)
    return run


def default_levels_ensure() -> None:
    """The three default levels of migration 0003: a transactional test before this one
    flushed the tables, migrations' data included."""
    if not ReminderLevel.objects.exists():
        migration = importlib.import_module(
            "creneau.payments.migrations.0003_default_reminder_levels"
        )
        ReminderLevel.objects.bulk_create(
            ReminderLevel(**level) for level in migration.DEFAULT_LEVELS
        )


@pytest.fixture
def company(db):
    default_levels_ensure()
    company = Company.load()
    company.legal_name = "Clair & Net Services"
    company.email = "contact@clairnet.example.com"
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.street, company.postcode, company.city = "12 rue de la Paix", "75002", "Paris"
    company.late_penalty_rate = Decimal("10.00")
    company.save()
    return company
