"""What the benchmark asks: searches typed as people type them, drawn from the data itself.

Each case has a pool of query strings (a few dozen surnames, phones, codes...) that the
timing loop cycles through, so that a figure is not the cost of one lucky term.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from creneau.core import sample_data as sample
from creneau.customers.models import Customer, Site

POOL = 40


@dataclass
class Case:
    """One line of the report: a kind of query, each of its params dicts asked in turn."""

    name: str
    params: list[dict[str, str]]
    text_search: bool = True
    notes: list[str] = field(default_factory=list)


def _sample(rng: random.Random, queryset, field_name: str, count: int = POOL) -> list[str]:
    """`count` values of a field from rows spread over the table (by primary key)."""
    last = queryset.order_by("-pk").values_list("pk", flat=True).first() or 0
    values: list[str] = []
    for _attempt in range(count * 5):
        value = (
            queryset.filter(pk__gte=rng.randint(1, max(last, 1)))
            .order_by("pk")
            .values_list(field_name, flat=True)
            .first()
        )
        if value:
            values.append(value)
        if len(values) == count:
            break
    return values


def _national(phone: str) -> str:
    return "0" + phone.removeprefix("+33")


def _typed_phone(rng: random.Random, phone: str) -> str:
    """A stored +33 phone typed as people do: 06 12 34 56 78, 0612345678, +33 6 12..."""
    national = _national(phone)
    pairs = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return rng.choice([national, pairs, pairs.replace(" ", "."), f"+33 {pairs[1:]}"])


def search_cases(customers: QuerySet[Customer], seed: int = 7) -> list[Case]:
    """The searches of one user: the unique values (phone, code, e-mail, full name, site
    address) are drawn from `customers`, the customers that user sees."""
    rng = random.Random(seed)
    common = sample.SURNAMES[:20]
    individuals = customers.filter(kind=Customer.Kind.INDIVIDUAL)
    rare = [sample.rare_surname(rng) for _index in range(POOL)]
    full_names = _sample(rng, individuals, "name")
    cities = sorted({city for city, _postcode, _weight in sample.CITIES})
    postcodes = sorted({postcode for _city, postcode, _weight in sample.CITIES})
    phones = [_typed_phone(rng, phone) for phone in _sample(rng, customers, "mobile")]
    codes = [
        code if rng.random() < 0.5 else code.lower() for code in _sample(rng, customers, "code")
    ]
    emails = _sample(rng, customers, "email")
    streets = _sample(rng, Site.objects.filter(customer__in=customers), "street")
    street_names = [re.sub(r"^\d+( bis| ter)? ", "", street) for street in streets]

    def pool(values: list[str]) -> list[dict[str, str]]:
        return [{"q": value} for value in values]

    return [
        Case("nom fréquent (Martin...)", pool(common)),
        Case("nom rare", pool(rare)),
        Case("nom et prénom", pool(full_names)),
        Case("début de nom, 3 lettres", pool([name[:3].lower() for name in common + rare])),
        Case("début de nom, 2 lettres", pool([name[:2].lower() for name in common + rare])),
        Case("ville", pool(cities)),
        Case("code postal", pool(postcodes)),
        Case("téléphone", pool(phones)),
        Case("code client", pool(codes)),
        Case("e-mail", pool(emails)),
        Case("adresse de site (complète)", pool(streets)),
        Case("rue de site (sans numéro)", pool(street_names)),
    ]


def list_cases() -> list[Case]:
    return [
        Case("liste sans filtre (nom)", [{}], text_search=False),
        Case("liste triée par nom (Z → A)", [{"sort": "-name"}], text_search=False),
        Case("liste triée par ville", [{"sort": "city"}], text_search=False),
        Case("liste triée par date (récents)", [{"sort": "-created"}], text_search=False),
        Case(
            "liste, filtre type + tri code",
            [{"kind": "business", "sort": "code"}, {"kind": "individual", "sort": "-code"}],
            text_search=False,
        ),
        Case("liste, page 20", [{"page": "20"}], text_search=False),
    ]
