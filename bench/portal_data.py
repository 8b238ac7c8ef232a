"""The portal load test's data (bench/portal_load.py), written with bulk_create.

2,000 customers of a cleaning company (60 % businesses, 40 % individuals) with 1 to 3
sites each. Every site has one weekly visit (its weekday, start time, duration and
regular employee drawn once) from 104 weeks ago to 8 weeks ahead: about 350,000
interventions, done (with real times), missed or cancelled in the past, planned ahead.
A multi-site customer bills its sites together (billing group A) or one group per site,
half and half; each group is invoiced monthly over the last 12 months (issued invoices,
numbered in date order, the older ones paid), one line per invoice, each with its PDF
stored through Invoice.pdf on the private storage.

The stored PDFs are one small valid PDF per invoice (a page that names the invoice,
about 600 bytes), not Factur-X documents rendered by Typst: the load test measures the
download of a stored file, not its rendering, and rendering 30,000 of them would take
longer than the whole test.

100 portal accesses on the first 100 customers, password PORTAL_PASSWORD:
portail-bench-001@example.com ... -100. Customers 1-70 get an account-level access; the
30 others a site-level one on their first site (which sees invoices only when its site
is alone in its billing group: see creneau.portal.selectors).

Random draws come from SEED: the same data each time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from creneau.billing.models import Invoice, InvoiceLine
from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import Service, VatRate
from creneau.core import sample_data as sample
from creneau.core.models import Counter
from creneau.customers.models import Customer, Site
from creneau.customers.selectors import normalise_search_text
from creneau.planning.models import Employee, Intervention
from creneau.portal.models import PortalUser

CUSTOMERS = 2_000
PORTAL_USERS = 100
ACCOUNT_LEVEL_USERS = 70
EMPLOYEES = 80
WEEKS_PAST = 104
WEEKS_AHEAD = 8
INVOICE_MONTHS = 12
CODE_PREFIX = "PRT"
EMAIL_PATTERN = "portail-bench-{:03d}@example.com"
PORTAL_PASSWORD = "banc-portail-2026"
SEED = 14_2026
PARIS = ZoneInfo("Europe/Paris")
VAT = Decimal("20.00")
CENT = Decimal("0.01")
HOURLY_PRICE = Decimal("28.50")


def portal_emails(count: int = PORTAL_USERS) -> list[str]:
    return [EMAIL_PATTERN.format(number) for number in range(1, count + 1)]


def data_ready() -> bool:
    return (
        Customer.objects.filter(code__startswith=CODE_PREFIX).count() == CUSTOMERS
        and PortalUser.objects.filter(email__in=portal_emails()).count() == PORTAL_USERS
    )


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF that readers open, showing `text` (ASCII), with a correct xref."""
    stream = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
        b"<< /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    output += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(output)


# --- Customers, sites, employees ------------------------------------------------------


def _customers(rng: random.Random) -> list[Customer]:
    rows = []
    for index in range(1, CUSTOMERS + 1):
        business = rng.random() < 0.6
        person = sample.person(rng)
        name = (
            f"{rng.choice(['Résidence', 'Cabinet', 'SCI', 'Société', 'Syndic'])} "
            f"{sample.surname(rng)}"
            if business
            else f"{person.last_name.upper()} {person.first_name}"
        )
        city, postcode = sample.city(rng)
        street = sample.street(rng)
        code = f"{CODE_PREFIX}{index:05d}"
        rows.append(
            Customer(
                code=code, name=name, name_key=name.lower(),
                kind=Customer.Kind.BUSINESS if business else Customer.Kind.INDIVIDUAL,
                street=street, postcode=postcode, city=city,
                email=sample.email(f"{name}.{index}", "example.com"),
                accounting_code=f"411{code}",
                search_text=normalise_search_text(f"{name} {code} {street} {postcode} {city}"),
            )
        )  # fmt: skip
    Customer.objects.bulk_create(rows, batch_size=2000)
    return list(Customer.objects.filter(code__startswith=CODE_PREFIX).order_by("code"))


def _sites(rng: random.Random, customers: list[Customer]) -> dict[int, list[Site]]:
    """1 to 3 sites a business (1 for most individuals); a multi-site customer's sites
    share billing group A, or each has its own (A, B, C), half and half."""
    rows = []
    for customer in customers:
        individual = customer.kind == Customer.Kind.INDIVIDUAL
        count = 1 if individual and rng.random() < 0.9 else rng.choices([1, 2, 3], [4, 3, 3])[0]
        separate = rng.random() < 0.5
        for number in range(count):
            city, postcode = (customer.city, customer.postcode) if number == 0 else sample.city(rng)
            rows.append(
                Site(
                    customer=customer,
                    name="Domicile" if individual else f"Site {number + 1}",
                    street=customer.street if number == 0 else sample.street(rng),
                    postcode=postcode,
                    city=city,
                    billing_group="ABC"[number] if separate else "A",
                )
            )
    Site.objects.bulk_create(rows, batch_size=2000)
    by_customer: dict[int, list[Site]] = {}
    for site in Site.objects.filter(customer__code__startswith=CODE_PREFIX).order_by("id"):
        by_customer.setdefault(site.customer_id, []).append(site)
    return by_customer


def _employees(rng: random.Random) -> list[Employee]:
    rows = []
    for number in range(EMPLOYEES):
        person = sample.person(rng)
        rows.append(
            Employee(
                first_name=person.first_name, last_name=person.last_name,
                mobile=sample.phone_mobile(rng),
                email=sample.email(f"{person.full_name}.{number}", "example.com"),
            )
        )  # fmt: skip
    return Employee.objects.bulk_create(rows)


def _services() -> list[Service]:
    default_vat_rates_ensure(VatRate)
    rate = VatRate.objects.filter(rate=VAT).order_by("position", "id").first()
    services = []
    for code, label in (
        ("PRT-BUR", "Entretien des bureaux"),
        ("PRT-PC", "Entretien des parties communes"),
        ("PRT-MEN", "Ménage à domicile"),
        ("PRT-VIT", "Nettoyage des vitres"),
    ):
        service, _created = Service.objects.get_or_create(
            code=code,
            defaults={"label": label, "unit": "hour", "unit_price": HOURLY_PRICE,
                      "vat_rate": rate},
        )  # fmt: skip
        services.append(service)
    return services


# --- Visits ---------------------------------------------------------------------------


def _interventions(
    rng: random.Random,
    sites: list[Site],
    employees: list[Employee],
    services: list[Service],
    today: date,
    log: Callable[[str], None],
) -> int:
    """One visit a week on each site, WEEKS_PAST weeks back to WEEKS_AHEAD ahead."""
    monday = today - timedelta(days=today.weekday())
    first_monday = monday - timedelta(weeks=WEEKS_PAST)
    now = timezone.now()
    total, rows = 0, []
    for site in sites:
        weekday = rng.choices(range(6), [10, 10, 10, 10, 10, 2])[0]
        minutes = rng.randrange(6 * 60, 18 * 60 + 1, 15)
        duration = rng.randrange(60, 241, 30)
        regular = rng.choice(employees)
        service = rng.choice(services)
        for week in range(WEEKS_PAST + WEEKS_AHEAD):
            day = first_monday + timedelta(weeks=week, days=weekday)
            start = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60,
                             tzinfo=PARIS)  # fmt: skip
            end = start + timedelta(minutes=duration)
            visit = Intervention(
                site=site, service=service, start=start, end=end,
                employee=regular if rng.random() < 0.9 else rng.choice(employees),
            )  # fmt: skip
            if end < now:
                draw = rng.random()
                if draw < 0.04:
                    visit.status = Intervention.Status.CANCELLED
                elif draw < 0.06:
                    visit.status = Intervention.Status.MISSED
                else:
                    visit.status = Intervention.Status.DONE
                    visit.actual_start = start + timedelta(minutes=rng.randint(-10, 15))
                    visit.actual_end = end + timedelta(minutes=rng.randint(-15, 20))
            rows.append(visit)
        if len(rows) >= 20_000:
            Intervention.objects.bulk_create(rows, batch_size=5000)
            total += len(rows)
            rows = []
            if total % 100_000 < 20_000:
                log(f"  {total} interventions…")
    Intervention.objects.bulk_create(rows, batch_size=5000)
    return total + len(rows)


# --- Invoices and their PDFs ------------------------------------------------------------


def _invoices(
    rng: random.Random,
    customers: list[Customer],
    sites_of: dict[int, list[Site]],
    services: list[Service],
    today: date,
) -> list[Invoice]:
    """Monthly invoices of each billing group over the last INVOICE_MONTHS months, issued
    on the 3rd for the month before, numbered F-<year>-<n> in date order."""
    rate = services[0].vat_rate
    plans = []  # (issue date, customer, group, its sites)
    month_start = today.replace(day=1)
    for customer in customers:
        groups: dict[str, list[Site]] = {}
        for site in sites_of[customer.pk]:
            groups.setdefault(site.billing_group, []).append(site)
        for months_ago in range(INVOICE_MONTHS, 0, -1):
            year, month = divmod(month_start.year * 12 + month_start.month - 1 - months_ago, 12)
            issue = date(year, month + 1, 3)
            if issue > today:
                continue
            plans.extend((issue, customer, group, group_sites) for group, group_sites in
                         groups.items())  # fmt: skip
    plans.sort(key=lambda plan: (plan[0], plan[1].pk, plan[2]))
    counters: dict[int, int] = {}
    invoices, lines = [], []
    for issue, customer, group, group_sites in plans:
        counters[issue.year] = counters.get(issue.year, 0) + 1
        hours = Decimal(rng.choice([4, 8, 12, 16, 20, 26]))
        net = (hours * HOURLY_PRICE).quantize(CENT)
        vat = (net * VAT / 100).quantize(CENT)
        age = (today - issue).days
        status, due = Invoice.Status.PAID, Decimal(0)
        if age < 45 or rng.random() < 0.04:
            status, due = Invoice.Status.ISSUED, net + vat
        period_end = issue.replace(day=1) - timedelta(days=1)
        address = f"{customer.street}\n{customer.postcode} {customer.city}"
        invoice = Invoice(
            kind=Invoice.Kind.INVOICE, status=status,
            number=f"F-{issue.year}-{counters[issue.year]:05d}", customer=customer,
            billing_group=group, issue_date=issue, due_date=issue + timedelta(days=30),
            period_start=period_end.replace(day=1), period_end=period_end,
            customer_name=customer.name, customer_code=customer.code,
            customer_kind=customer.kind, billing_address=address,
            site_addresses=[{"id": site.pk, "name": site.name,
                             "address": f"{site.street}\n{site.postcode} {site.city}"}
                            for site in group_sites],
            total_net=net, total_vat=vat, total_gross=net + vat,
            vat_breakdown=[{"rate": f"{VAT}", "exemption": "", "base": f"{net}",
                            "vat": f"{vat}"}],
            amount_due=due, issued_at=datetime(issue.year, issue.month, issue.day, 8,
                                               tzinfo=PARIS),
        )  # fmt: skip
        invoices.append(invoice)
        lines.append(
            InvoiceLine(
                invoice=invoice, position=0, line_type="service", service=services[0],
                site=group_sites[0],
                description=f"{services[0].label} - {period_end:%m/%Y}", quantity=hours,
                unit="hour", unit_price=HOURLY_PRICE, vat_rate=rate, vat_rate_value=VAT,
                net=net,
            )
        )  # fmt: skip
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    InvoiceLine.objects.bulk_create(lines, batch_size=5000)
    Through = Invoice.sites.through
    Through.objects.bulk_create(
        [Through(invoice_id=invoice.pk, site_id=entry["id"]) for invoice in invoices
         for entry in invoice.site_addresses],
        batch_size=5000,
    )  # fmt: skip
    for year, value in counters.items():
        Counter.objects.update_or_create(name=f"invoice-{year}", defaults={"value": value})
    return invoices


def invoice_pdfs_store(invoices: list[Invoice] | None = None) -> int:
    """Store each invoice's PDF through its FileField (the private storage) and record
    its name; an invoice whose file is missing (another work tree's storage) gets it
    again. Returns the number of files written."""
    if invoices is None:
        invoices = list(
            Invoice.objects.filter(customer__code__startswith=CODE_PREFIX).only(
                "pk", "number", "customer_id", "customer_name", "kind", "pdf"
            )
        )
    written = []
    for invoice in invoices:
        if invoice.pdf and default_storage.exists(invoice.pdf.name):
            continue
        content = ContentFile(minimal_pdf(f"Facture {invoice.number} - banc d'essai"))
        invoice.pdf.save(f"facture-{invoice.number}.pdf", content, save=False)
        written.append(invoice)
    Invoice.objects.bulk_update(written, ["pdf"], batch_size=2000)
    return len(written)


# --- Portal accesses --------------------------------------------------------------------


def _portal_users(customers: list[Customer], sites_of: dict[int, list[Site]]) -> None:
    password = make_password(PORTAL_PASSWORD)  # one Argon2 hash, shared: 100 would take 20 s
    now = timezone.now()
    rows = []
    for number, (customer, email) in enumerate(
        zip(customers[:PORTAL_USERS], portal_emails(), strict=True), start=1
    ):
        site = None if number <= ACCOUNT_LEVEL_USERS else sites_of[customer.pk][0]
        rows.append(
            PortalUser(
                customer=customer, site=site, email=email, name=f"Accès {number:03d}",
                password=password, invited_at=now,
            )
        )  # fmt: skip
    PortalUser.objects.bulk_create(rows)


def portal_data_clear() -> None:
    """Remove what an earlier generation left (the bench's customers and all theirs)."""
    PortalUser.objects.filter(customer__code__startswith=CODE_PREFIX).delete()
    with connection.cursor() as cursor:
        # Faster than the ORM's cascade over 350,000 visits.
        cursor.execute(
            "DELETE FROM planning_intervention WHERE site_id IN (SELECT s.id FROM "
            "customers_site s JOIN customers_customer c ON c.id = s.customer_id "
            "WHERE c.code LIKE %s)",
            [CODE_PREFIX + "%"],
        )
    invoices = Invoice.objects.filter(customer__code__startswith=CODE_PREFIX)
    InvoiceLine.objects.filter(invoice__in=invoices).delete()
    Invoice.sites.through.objects.filter(invoice__in=invoices).delete()
    invoices.delete()
    Customer.objects.filter(code__startswith=CODE_PREFIX).delete()


def portal_generate(log: Callable[[str], None] = print) -> float:
    """Generate everything (after clearing an earlier generation); returns the seconds."""
    started = time.monotonic()
    rng = random.Random(SEED)
    today = timezone.localdate()
    with transaction.atomic():
        portal_data_clear()
        customers = _customers(rng)
        sites_of = _sites(rng, customers)
        employees = _employees(rng)
        services = _services()
        site_count = sum(len(sites) for sites in sites_of.values())
        log(f"  {len(customers)} clients, {site_count} sites ({time.monotonic() - started:.0f} s)")
        all_sites = [site for customer in customers for site in sites_of[customer.pk]]
        visits = _interventions(rng, all_sites, employees, services, today, log)
        log(f"  {visits} interventions ({time.monotonic() - started:.0f} s)")
        invoices = _invoices(rng, customers, sites_of, services, today)
        log(f"  {len(invoices)} factures ({time.monotonic() - started:.0f} s)")
        _portal_users(customers, sites_of)
    stored = invoice_pdfs_store(invoices)
    log(f"  {stored} PDF stockés ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics and visibility map, as autovacuum would
    elapsed = time.monotonic() - started
    log(f"  génération terminée en {elapsed:.0f} s")
    return elapsed
