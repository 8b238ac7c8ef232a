"""The scale-out test's data (bench/scale_out.py): a company ready to invoice, `customers`
customers with one or two sites, one visit a week on each site from the first day of
last month to the end of next month (last month's done, the rest planned), the first
`portal_users` customers with an account-level portal access (password PORTAL_PASSWORD,
hashed with Argon2 as production verifies it), and a direction user with an API token.

Every customer has an e-mail address, so that each of last month's invoices is e-mailed.
Written with bulk_create, in one transaction; the same data for the same sizes (SEED).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

CODE_PREFIX = "SCL"
PORTAL_PASSWORD = "passe-montee-en-charge-2026"
EMAIL_PATTERN = "portail-scale-{:04d}@example.com"
SEED = 15_2026
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class ScaleOutData:
    period_start: date
    period_end: date
    token: str
    portal_emails: list[str]
    done_visits: int


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _company_ready() -> None:
    from creneau.core.demo import company_fill
    from creneau.core.models import Company

    company = Company.load()
    company_fill(company, random.Random(SEED))
    company.save()


def _customers_and_sites(rng: random.Random, count: int) -> list:
    from creneau.customers.models import Customer, Site
    from creneau.customers.selectors import normalise_search_text

    rows = []
    for index in range(1, count + 1):
        code, name = f"{CODE_PREFIX}{index:05d}", f"Résidence Essai {index:05d}"
        rows.append(
            Customer(
                code=code, name=name, name_key=name.lower(), kind=Customer.Kind.BUSINESS,
                street=f"{index} rue des Essais", postcode="44000", city="Nantes",
                email=f"client-{index:05d}@example.com", accounting_code=f"411{code}",
                search_text=normalise_search_text(f"{name} {code} 44000 Nantes"),
            )
        )  # fmt: skip
    Customer.objects.bulk_create(rows, batch_size=2000)
    customers = list(Customer.objects.filter(code__startswith=CODE_PREFIX).order_by("code"))
    sites = []
    for customer in customers:
        count_sites = rng.choice([1, 1, 2])
        separate = rng.random() < 0.5
        for number in range(count_sites):
            sites.append(
                Site(
                    customer=customer, name=f"Site {number + 1}",
                    street=f"{number + 1} allée du Test", postcode="44000", city="Nantes",
                    billing_group="AB"[number] if separate else "A",
                )
            )  # fmt: skip
    Site.objects.bulk_create(sites, batch_size=2000)
    return customers


def _visits(rng: random.Random, today: date) -> int:
    """One visit a week on each site, from last month's first day to next month's end."""
    from creneau.catalog.defaults import default_vat_rates_ensure
    from creneau.catalog.models import Service, VatRate
    from creneau.customers.models import Site
    from creneau.planning.models import Employee, Intervention

    default_vat_rates_ensure(VatRate)
    rate = VatRate.objects.filter(rate=Decimal("20.00")).order_by("position", "id").first()
    service, _created = Service.objects.get_or_create(
        code="SCL-BUR",
        defaults={"label": "Entretien des bureaux", "unit": "hour",
                  "unit_price": Decimal("27.00"), "vat_rate": rate},
    )  # fmt: skip
    employees = Employee.objects.bulk_create(
        [Employee(first_name="Agent", last_name=f"Essai {number:02d}") for number in range(20)]
    )
    first, _end = last_month(today)
    last = today.replace(day=1) + relativedelta(months=2) - timedelta(days=1)
    now, done, rows = datetime.now(tz=PARIS), 0, []
    for site in Site.objects.filter(customer__code__startswith=CODE_PREFIX).order_by("id"):
        day = first + timedelta(days=rng.randrange(6))
        hour, hours = rng.randrange(7, 17), rng.choice([1, 2, 3])
        employee = rng.choice(employees)
        while day <= last:
            start = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)
            visit = Intervention(
                site=site, service=service, employee=employee, start=start,
                end=start + timedelta(hours=hours),
            )  # fmt: skip
            if visit.end < now and day < today.replace(day=1):
                visit.status = Intervention.Status.DONE
                done += 1
            rows.append(visit)
            day += timedelta(weeks=1)
    Intervention.objects.bulk_create(rows, batch_size=5000)
    return done


def scale_out_generate(*, customers: int, portal_users: int, today: date) -> ScaleOutData:
    """Write the data (in an empty database: the test's, or the bench's after a reset)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from creneau.core.roles import Role
    from creneau.core.services import api_token_create
    from creneau.portal.models import PortalUser

    rng = random.Random(SEED)
    with transaction.atomic():
        _company_ready()
        customer_rows = _customers_and_sites(rng, customers)
        done = _visits(rng, today)
        password = make_password(PORTAL_PASSWORD, hasher="argon2")  # one hash for all
        emails = [EMAIL_PATTERN.format(number) for number in range(1, portal_users + 1)]
        accesses = zip(customer_rows, emails, strict=False)  # fewer accesses than customers
        PortalUser.objects.bulk_create(
            [
                PortalUser(customer=customer, email=email, name=f"Accès {number}",
                           password=password, invited_at=timezone.now())
                for number, (customer, email) in enumerate(accesses, 1)
            ]
        )  # fmt: skip
        user = User.objects.create_user(username="direction-scale-out", first_name="Diane")
        user.groups.add(Group.objects.get(name=Role.DIRECTION))
        token = api_token_create(user=user, name="scale-out")
    start, end = last_month(today)
    return ScaleOutData(start, end, token, emails, done)
