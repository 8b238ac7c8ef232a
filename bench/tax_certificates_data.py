"""The tax certificates bench's data: 5,000 individual customers (and 500 business ones)
with a year (2025) of monthly home-service invoices, their payments and the done
interventions, written with bulk_create (about a minute on PostgreSQL).

Each customer has one site and 12 monthly invoices of 8 h of home help (10 % VAT); one
invoice in four also bills a window cleaning that is not a home service (20 %); December
2024's invoice is paid in January 2025. Each invoice is paid by one transfer (one in six by
CESU préfinancés), allocated to it, and has 4 done visits of 2 h by one of 100
intervenants. Amounts are drawn from the ids (no random state): the same data each time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from creneau.billing.models import Invoice, InvoiceLine
from creneau.catalog.models import Service, VatRate
from creneau.core.models import Company
from creneau.customers.models import Customer, Site
from creneau.payments.models import Payment, PaymentAllocation, PaymentMethod
from creneau.planning.models import Employee, Intervention

YEAR = 2025
INDIVIDUALS = 5_000
BUSINESSES = 500
EMPLOYEES = 100
CODE_PREFIX = "ATF"
PARIS = ZoneInfo("Europe/Paris")
HOURS = Decimal(8)
PRICE = Decimal(30)
WINDOWS = Decimal(50)
CENT = Decimal("0.01")


def data_ready() -> bool:
    return Customer.objects.filter(code__startswith=CODE_PREFIX).count() == INDIVIDUALS + BUSINESSES


def _rate(percent: str) -> VatRate:
    rate, _created = VatRate.objects.get_or_create(
        rate=Decimal(percent), exemption_wording="", defaults={"label": f"{percent} %"}
    )
    return rate


def _services() -> tuple[Service, Service]:
    home_help, _created = Service.objects.get_or_create(
        code="ATF-MEN",
        defaults={"label": "Aide ménagère", "unit_price": PRICE, "vat_rate": _rate("10"),
                  "unit": "hour", "is_personal_service": True},
    )  # fmt: skip
    windows, _created = Service.objects.get_or_create(
        code="ATF-VIT",
        defaults={"label": "Vitres (hors SAP)", "unit_price": WINDOWS, "vat_rate": _rate("20"),
                  "unit": "visit"},
    )  # fmt: skip
    return home_help, windows


def _customers() -> list[Customer]:
    customers = [
        Customer(
            code=f"{CODE_PREFIX}{index:06d}",
            name=f"Particulier {index:05d}" if index < INDIVIDUALS else f"Société {index:05d}",
            kind=Customer.Kind.INDIVIDUAL if index < INDIVIDUALS else Customer.Kind.BUSINESS,
            street=f"{index % 90 + 1} rue des Lilas",
            postcode="44000",
            city="Nantes",
            email=f"client{index}@example.org" if index % 10 else "",
        )
        for index in range(INDIVIDUALS + BUSINESSES)
    ]
    Customer.objects.bulk_create(customers, batch_size=2000)
    customers = list(Customer.objects.filter(code__startswith=CODE_PREFIX).order_by("code"))
    Site.objects.bulk_create(
        [Site(customer=customer, name="Domicile", street=customer.street,
              postcode="44000", city="Nantes") for customer in customers],
        batch_size=2000,
    )  # fmt: skip
    return customers


def _invoice_totals(mixed: bool) -> tuple[Decimal, Decimal, Decimal]:
    net = HOURS * PRICE + (WINDOWS if mixed else 0)
    vat = (HOURS * PRICE * Decimal("0.10") + (WINDOWS * Decimal("0.20") if mixed else 0)).quantize(
        CENT
    )
    return net, vat, net + vat


def _invoices(customers: list[Customer], home_help: Service, windows: Service) -> list[Invoice]:
    invoices, lines = [], []
    for customer in customers:
        for month in range(13):  # December 2024, then January to December 2025
            issue = date(YEAR - 1, 12, 5) if month == 0 else date(YEAR, month, 5)
            mixed = (customer.pk + month) % 4 == 0
            net, vat, gross = _invoice_totals(mixed)
            invoices.append(Invoice(
                kind=Invoice.Kind.INVOICE, status=Invoice.Status.PAID,
                number=f"F-{issue.year}-{CODE_PREFIX}{customer.pk:06d}{month:02d}",
                customer=customer, issue_date=issue, due_date=issue + timedelta(days=15),
                customer_name=customer.name, customer_code=customer.code,
                customer_kind=customer.kind, total_net=net, total_vat=vat, total_gross=gross,
                amount_due=Decimal(0),
            ))  # fmt: skip
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    for invoice in invoices:
        mixed = invoice.total_net != HOURS * PRICE
        lines.append(InvoiceLine(
            invoice=invoice, position=0, line_type="service", service=home_help,
            description="Aide ménagère", quantity=HOURS, unit="hour", unit_price=PRICE,
            vat_rate_value=Decimal(10), net=HOURS * PRICE,
        ))  # fmt: skip
        if mixed:
            lines.append(InvoiceLine(
                invoice=invoice, position=1, line_type="service", service=windows,
                description="Vitres", quantity=Decimal(1), unit="visit", unit_price=WINDOWS,
                vat_rate_value=Decimal(20), net=WINDOWS,
            ))  # fmt: skip
    InvoiceLine.objects.bulk_create(lines, batch_size=5000)
    return invoices


def _payments(invoices: list[Invoice]) -> None:
    payments = []
    for invoice in invoices:
        paid_on = invoice.issue_date + timedelta(days=40)  # December 2024's: January 2025
        method = PaymentMethod.CESU_PREFINANCED if invoice.pk % 6 == 0 else PaymentMethod.TRANSFER
        payments.append(Payment(customer_id=invoice.customer_id, date=paid_on,
                                amount=invoice.total_gross, method=method))  # fmt: skip
    Payment.objects.bulk_create(payments, batch_size=5000)
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=payment, invoice=invoice, customer_id=invoice.customer_id,
                           amount=invoice.total_gross)
         for payment, invoice in zip(payments, invoices, strict=True)],
        batch_size=5000,
    )  # fmt: skip


def _interventions(customers: list[Customer], home_help: Service) -> None:
    employees = [Employee(first_name=f"Prénom{n}", last_name=f"Intervenant{n:03d}")
                 for n in range(EMPLOYEES)]  # fmt: skip
    Employee.objects.bulk_create(employees)
    sites = dict(Site.objects.filter(customer__in=customers).values_list("customer_id", "pk"))
    rows = []
    for customer in customers:
        employee = employees[customer.pk % EMPLOYEES]
        for month in range(1, 13):
            for week in range(4):
                start = datetime(YEAR, month, 3 + week * 7, 9, tzinfo=PARIS)
                rows.append(Intervention(
                    site_id=sites[customer.pk], service=home_help, employee=employee,
                    start=start, end=start + timedelta(hours=2),
                    status=Intervention.Status.DONE, user_owned=True,
                ))  # fmt: skip
        if len(rows) >= 20_000:
            Intervention.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Intervention.objects.bulk_create(rows, batch_size=5000)


def certificates_generate_data(log: Callable[[str], None] = print) -> None:
    started = time.monotonic()
    company = Company.load()
    company.legal_name = company.legal_name or "Bench Services"
    company.sap_number, company.sap_declaration_date = "SAP732829320", date(2019, 5, 14)
    company.siret = company.siret or "73282932000074"
    company.street, company.postcode, company.city = "14 rue du Calvaire", "44000", "Nantes"
    company.save()
    with transaction.atomic():
        home_help, windows = _services()
        customers = _customers()
        log(f"  {len(customers)} clients ({time.monotonic() - started:.0f} s)")
        invoices = _invoices(customers, home_help, windows)
        log(f"  {len(invoices)} factures ({time.monotonic() - started:.0f} s)")
        _payments(invoices)
        log(f"  règlements ({time.monotonic() - started:.0f} s)")
        _interventions(customers, home_help)
        log(f"  interventions ({time.monotonic() - started:.0f} s)")
