"""100,000 customers and 150,000 sites, bulk-inserted, for the search benchmark.

The data looks like a large French customer base: common and rare surnames, big cities more
often, landlines by region, a few sales reps, some customers without one. Search text and
codes are computed as the services do (customer_search_text, C00001...), but without the
audit trail, which the search does not read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from creneau.core import sample_data as sample
from creneau.core.models import AuditEvent, Counter
from creneau.core.roles import Role
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.selectors import customer_name_key, customer_search_text

CUSTOMERS = 100_000
SITES = 150_000
REPS = 8
BATCH = 5_000
SEED = 20_26

FAMILIES = ["Particuliers", "Professionnels", "Syndics", "Banques", "Agences immobilières"]
BUSINESS_PATTERNS = [
    "Boulangerie {surname}", "Garage {surname}", "Cabinet {surname}", "{surname} Immobilier",
    "SCI {surname}", "{surname} Bâtiment", "Pharmacie {surname}", "Syndic {surname} Gestion",
    "Résidence {residence}", "Copropriété {residence}", "Hôtel {surname}",
    "Restaurant Chez {first_name}", "Boucherie {surname}", "Cabinet médical {surname}",
]  # fmt: skip
SITE_NAMES_INDIVIDUAL = ["Domicile", "Résidence secondaire", "Appartement", "Maison"]
SITE_NAMES_BUSINESS = ["Siège", "Bureaux", "Entrepôt", "Boutique", "Agence", "Atelier"]


def bench_users() -> tuple[User, list[User]]:
    """The benchmark's direction user and its sales reps (created once)."""
    director = _user("bench_direction", Role.DIRECTION, "Diane", "Direction")
    reps = [
        _user(f"bench_rep{number}", Role.SALES, sample.FIRST_NAMES[number], "Commercial")
        for number in range(1, REPS + 1)
    ]
    return director, reps


def _user(username: str, role: Role, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


def data_ready(customers: int = CUSTOMERS, sites: int = SITES) -> bool:
    return Customer.objects.count() == customers and Site.objects.count() == sites


def generate(
    *, customers: int = CUSTOMERS, sites: int = SITES, log=print, seed: int = SEED
) -> None:
    """Replace every customer by `customers` generated ones with `sites` sites in all."""
    started = time.perf_counter()
    rng = random.Random(seed)
    _director, reps = bench_users()
    families = [Family.objects.get_or_create(name=name)[0] for name in FAMILIES]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_contact, customers_site, customers_customer, core_auditevent "
            "RESTART IDENTITY CASCADE"
        )
    site_counts = _site_counts(rng, customers, sites)
    now = timezone.now()
    made = 0
    for batch in _batches(range(customers), BATCH):
        rows = [_customer(rng, index, reps, families, site_counts[index]) for index in batch]
        with transaction.atomic():
            saved = Customer.objects.bulk_create([customer for customer, _sites in rows])
            for customer, (_unsaved, customer_sites) in zip(saved, rows, strict=True):
                for site in customer_sites:
                    site.customer_id = customer.pk
            Site.objects.bulk_create([site for _customer, group in rows for site in group])
        made += len(rows)
        log(f"  {made:>7} clients...", end="\r")
    with transaction.atomic():
        # Codes follow creation order: spread creation dates over five years, in that order.
        span = timedelta(days=5 * 365).total_seconds() / max(customers, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE customers_customer SET created_at = %s - (%s - id) * %s * interval "
                "'1 second'",
                [now, customers, span],
            )
        Counter.objects.update_or_create(name="customer", defaults={"value": customers})
    vacuum_analyze()
    log(f"  {customers} clients et {sites} sites générés en {time.perf_counter() - started:.0f} s")


def vacuum_analyze() -> None:
    """Fresh statistics for the planner and a visibility map for index-only scans."""
    with connection.cursor() as cursor:
        for table in (Customer, Site, Contact, AuditEvent):
            cursor.execute(f"VACUUM ANALYZE {table._meta.db_table}")


def _batches(items, size: int) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _site_counts(rng: random.Random, customers: int, sites: int) -> list[int]:
    """1 to 3 sites per customer, `sites` in all (most customers have one)."""
    extra = sites - customers
    threes = min(extra // 5, customers)  # one customer in ten when sites = 1.5 x customers
    twos = min(extra - 2 * threes, customers - threes)
    counts = [3] * threes + [2] * twos + [1] * (customers - threes - twos)
    rng.shuffle(counts)
    return counts


def _customer(
    rng: random.Random, index: int, reps: list[User], families: list[Family], site_count: int
) -> tuple[Customer, list[Site]]:
    city, postcode = sample.city(rng)
    business = rng.random() < 0.3
    if business:
        name = rng.choice(BUSINESS_PATTERNS).format(
            surname=_surname(rng), first_name=sample.first_name(rng),
            residence=rng.choice(sample.RESIDENCES),
        )  # fmt: skip
        family = rng.choice(families[1:])
    else:
        name = f"{_surname(rng)} {sample.first_name(rng)}"
        family = families[0] if rng.random() < 0.9 else None
    customer = Customer(
        code=f"C{index + 1:05d}",
        kind=Customer.Kind.BUSINESS if business else Customer.Kind.INDIVIDUAL,
        name=name,
        street=sample.street(rng),
        postcode=postcode,
        city=city,
        family=family,
        sales_rep=rng.choice(reps) if rng.random() < 0.9 else None,
        is_active=rng.random() < 0.97,
        accounting_code=f"411C{index + 1:05d}",
    )
    if business or rng.random() < 0.5:
        customer.phone = sample.phone_landline(rng, postcode)
    if not business and rng.random() < 0.75:
        customer.mobile = sample.phone_mobile(rng)
    if rng.random() < 0.6:
        local = "contact" if business else name
        customer.email = sample.email(f"{local}.{index}", rng.choice(sample.EMAIL_DOMAINS))
    sites = [_site(rng, customer, number, business) for number in range(site_count)]
    customer.search_text = customer_search_text(customer, sites=sites)
    customer.name_key = customer_name_key(customer.name)
    return customer, sites


def _surname(rng: random.Random) -> str:
    return sample.surname(rng) if rng.random() < 0.5 else sample.rare_surname(rng)


def _site(rng: random.Random, customer: Customer, number: int, business: bool) -> Site:
    names = SITE_NAMES_BUSINESS if business else SITE_NAMES_INDIVIDUAL
    site = Site(name=names[number] if number < len(names) else f"Site {number + 1}")
    if number == 0 and rng.random() < 0.7:
        site.street, site.postcode, site.city = customer.street, customer.postcode, customer.city
    else:
        site.city, site.postcode = sample.city(rng)
        site.street = sample.street(rng)
        site.billing_group = rng.choice("AAB")
    if rng.random() < 0.3:
        site.access_notes = sample.access_notes(rng, customer.name.split(" ")[0])
    return site
