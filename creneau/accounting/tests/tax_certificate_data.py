"""The worked example of the tax certificates (docs/tax-certificates.md), made through the
billing and payments services. Plain functions: each test module makes its fixtures.

Jeanne Martin, an individual, in 2025:
- invoice A, December 2024: 10 h of home help (SAP, 30 € excl. VAT, 10 %): 330,00 €, paid
  by transfer on 15 January 2025: counted in 2025, whole;
- invoice B, February 2025, mixed: 4 h of home help (132,00 € incl. VAT) and a window
  cleaning that is not a home service (50 € excl. VAT at 20 %: 60,00 €), 192,00 €; a credit
  note takes 1 h of home help off (33,00 €): 159,00 € left, of which 99,00 € SAP. Paid
  100,00 € by transfer and 59,00 € by CESU préfinancés: SAP parts 62,26 € (100 x 99/159 =
  62,264…) and 36,74 € (59 x 99/159 = 36,735…);
- invoice C, November 2025, 2 h of home help (66,00 €), paid in January 2026: not 2025;
- invoice Z, October 2024, paid in November 2024: not 2025.
So: amount paid 392,26 € (330,00 + 62,26), CESU préfinancés 36,74 € apart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.facturx_fixtures import (
    company_with_identity,
    individual_customer,
    make_invoice,
    service,
)
from creneau.customers.models import Customer
from creneau.payments.models import PaymentMethod
from creneau.payments.services import payment_create
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

YEAR = 2025
AMOUNT_PAID = Decimal("392.26")
CESU = Decimal("36.74")


def dated(invoice: Invoice, day: date) -> Invoice:
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=day, due_date=day)
    return Invoice.objects.get(pk=invoice.pk)


def pay(
    customer: Customer, day: date, amount: str, invoice: Invoice, method=PaymentMethod.TRANSFER
):
    return payment_create(
        customer=customer, by=None, amount=Decimal(amount), method=method, date=day,
        allocations=[{"invoice_id": invoice.pk, "amount": Decimal(amount)}],
    )  # fmt: skip


def services_pair():
    home_help = service("MEN", "30", "10", unit="hour", is_personal_service=True)
    windows = service("VIT", "50", "20", unit="visit")
    return home_help, windows


def line(item, quantity: str) -> dict:
    return {"line_type": "service", "service": item, "quantity": Decimal(quantity)}


PARIS = ZoneInfo("Europe/Paris")


def at(*parts: int) -> datetime:
    """A local time in Paris (the project's time zone)."""
    return datetime(*parts, tzinfo=PARIS)


def visit(site, item, employee, start: datetime, hours: float, **fields) -> Intervention:
    fields.setdefault("status", Intervention.Status.DONE)
    return InterventionFactory(
        site=site, service=item, employee=employee, start=start,
        end=start + timedelta(hours=hours), **fields,
    )  # fmt: skip


def worked_example(by=None) -> dict:
    company = company_with_identity()
    company.sap_declaration_date = date(2019, 5, 14)
    company.save()
    customer = individual_customer()
    customer.email = "jeanne.martin@example.fr"
    customer.save()
    home_help, windows = services_pair()
    old = dated(make_invoice(customer, by, [line(home_help, "5")]), date(2024, 10, 5))
    pay(customer, date(2024, 11, 2), "165.00", old)
    first = dated(make_invoice(customer, by, [line(home_help, "10")]), date(2024, 12, 20))
    pay(customer, date(2025, 1, 15), "330.00", first)
    mixed = dated(
        make_invoice(customer, by, [line(home_help, "4"), line(windows, "1")]), date(2025, 2, 3)
    )
    sap_line = mixed.lines.get(service=home_help)
    credit_note_create(
        invoice=mixed, by=by, lines=[{"line_id": sap_line.pk, "quantity": Decimal(1)}]
    )
    pay(customer, date(2025, 3, 1), "100.00", mixed)
    pay(customer, date(2025, 3, 2), "59.00", mixed, PaymentMethod.CESU_PREFINANCED)
    late = dated(make_invoice(customer, by, [line(home_help, "2")]), date(2025, 11, 28))
    pay(customer, date(2026, 1, 10), "66.00", late)
    site = customer.sites.get()
    alice = EmployeeFactory(first_name="Alice", last_name="Durand")
    bruno = EmployeeFactory(first_name="Bruno", last_name="Petit")
    return {
        "company": company, "customer": customer, "home_help": home_help, "windows": windows,
        "mixed": mixed, "site": site, "alice": alice, "bruno": bruno,
    }  # fmt: skip


def with_visits(example: dict) -> None:
    """Alice: 2 h planned, 2 h 30 actually (actual times win) + 3 h (an actual start
    without an actual end: the planned times); Bruno: 1 h 15; not
    counted: a planned visit, a cancelled one, a non-SAP one, one of 2024."""
    site, home_help = example["site"], example["home_help"]
    alice, bruno = example["alice"], example["bruno"]
    actual = at(2025, 3, 10, 9)
    visit(site, home_help, alice, at(2025, 3, 10, 9), 2, actual_start=actual,
          actual_end=actual + timedelta(hours=2.5))  # fmt: skip
    visit(site, home_help, alice, at(2025, 6, 2, 14), 3, actual_start=at(2025, 6, 2, 13))
    visit(site, home_help, bruno, at(2025, 12, 31, 22), 1.25)
    visit(site, home_help, bruno, at(2025, 7, 1, 9), 2, status=Intervention.Status.PLANNED)
    visit(site, home_help, bruno, at(2025, 7, 2, 9), 2, status=Intervention.Status.CANCELLED)
    visit(site, example["windows"], alice, at(2025, 7, 3, 9), 2)
    visit(site, home_help, alice, at(2024, 12, 31, 9), 2)
