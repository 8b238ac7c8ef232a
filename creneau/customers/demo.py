"""Demo customers: about 200 individuals and businesses, with their sites and contacts.

The list is drawn from a seeded random generator, then each customer missing from the
database (same name and postcode) is created through the services, so that codes, search
text and the history are what a person typing them would get.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from creneau.core import sample_data as sample
from creneau.core.demo import DemoContext
from creneau.core.validators import bic_from_iban
from creneau.customers.models import Contact, Customer, Family
from creneau.customers.selectors import families_list
from creneau.customers.services import (
    contact_create,
    customer_create,
    family_create,
    site_create,
)

PARTICULIERS = "Particuliers"
PROFESSIONNELS = "Professionnels"
SYNDICS = "Syndics"
BANQUES = "Banques"
AGENCES = "Agences immobilières"
DEMO_FAMILIES = [PARTICULIERS, PROFESSIONNELS, SYNDICS, BANQUES, AGENCES]
# How many customers of each family; None is individuals filed in no family.
DEMO_MIX: list[tuple[str | None, int]] = [
    (PARTICULIERS, 108),
    (None, 6),
    (PROFESSIONNELS, 40),
    (SYNDICS, 20),
    (BANQUES, 10),
    (AGENCES, 16),
]


@dataclass
class CustomerSpec:
    """A customer to create: its fields, its sites and its contacts (site given by index)."""

    fields: dict[str, Any]
    sites: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.fields["name"], self.fields["postcode"]


def _valid_phone(rng: random.Random, make) -> str:
    while not sample.phone_valid(number := make(rng)):
        pass
    return number


def _address(rng: random.Random) -> dict[str, str]:
    city, postcode = sample.city(rng)
    return {"street": sample.street(rng), "postcode": postcode, "city": city, "country": "FR"}


def _business_identity(rng: random.Random, name: str) -> dict[str, str]:
    """SIRET and VAT number for most businesses, and a phone and e-mail."""
    fields: dict[str, str] = {"email": sample.email("contact", sample.business_domain(name))}
    if rng.random() < 0.85:
        siren = sample.siren(rng)
        fields["siret"] = sample.siret(rng, siren)
        if rng.random() < 0.8:
            fields["vat_number"] = sample.vat_number(siren)
    return fields


def _bank_details(rng: random.Random, share: float) -> dict[str, str]:
    if rng.random() >= share:
        return {}
    iban = sample.iban(rng)
    return {"iban": iban, "bic": bic_from_iban(iban)}


def _contact(
    rng: random.Random,
    role: str,
    site: int | None = None,
    label: str = "",
    person: sample.Person | None = None,
) -> dict[str, Any]:
    """A contact person; `site` is the index of the site it belongs to, if any."""
    person = person or sample.person(rng)
    return {
        "name": f"{person.full_name}{label}",
        "role": role,
        "mobile": _valid_phone(rng, sample.phone_mobile),
        "email": sample.email(person.full_name, rng.choice(sample.EMAIL_DOMAINS)),
        "site": site,
    }


def individual(rng: random.Random) -> CustomerSpec:
    person = sample.person(rng)
    address = _address(rng)
    name = f"{person.last_name} {person.first_name}"
    if rng.random() < 0.15:
        name += f" et {sample.first_name(rng)}"
    fields = {"kind": Customer.Kind.INDIVIDUAL, "name": name, **address}
    if rng.random() < 0.5:
        fields["phone"] = sample.phone_landline(rng, address["postcode"], fiction=True)
    if rng.random() < 0.85:
        fields["mobile"] = _valid_phone(rng, sample.phone_mobile)
    if rng.random() < 0.75:
        fields["email"] = sample.email(person.full_name, rng.choice(sample.EMAIL_DOMAINS))
    if rng.random() < 0.6:
        fields["notes"] = sample.access_notes(rng, person.last_name)
    fields.update(_bank_details(rng, 0.4))
    spec = CustomerSpec(fields)
    spec.sites.append(
        {"name": "Domicile", "access_notes": sample.access_notes(rng, person.last_name)}
    )
    if rng.random() < 0.15:
        spec.sites.append({"name": "Résidence secondaire", **_address(rng), "billing_group": "B"})
    if rng.random() < 0.1:
        parent = sample.first_name(rng)
        spec.sites.append(
            {
                "name": f"Appartement de {parent} {person.last_name} (parent)",
                **_address(rng),
                "billing_group": rng.choice(["A", "B"]),
                "access_notes": sample.access_notes(rng, person.last_name),
            }
        )
    if rng.random() < 0.3:
        relative = sample.Person(sample.first_name(rng), person.last_name)
        spec.contacts.append(
            _contact(rng, Contact.Role.FAMILY, site=len(spec.sites) - 1, person=relative)
        )
    return spec


PROFESSIONAL_NAMES = [
    "Boulangerie {surname}", "Pharmacie du Centre", "Cabinet médical des {tree}",
    "Garage {surname}", "Restaurant Le Petit {dish}", "Hôtel de la Gare",
    "Cabinet {surname} Avocats", "{surname} Bâtiment", "Boucherie {surname}",
    "Salon {first_name} Coiffure", "Clinique vétérinaire des {tree}", "Crèche Les Petits Loups",
    "Librairie {surname}", "Opticien {surname}", "Cabinet dentaire {surname}",
    "Fleurs {first_name}", "Auto-école {surname}", "Brasserie du Marché",
]  # fmt: skip
TREES = ["Tilleuls", "Chênes", "Érables", "Platanes", "Marronniers", "Acacias", "Pins"]
DISHES = ["Bouchon", "Zinc", "Comptoir", "Bistrot", "Mâchon", "Gourmet"]


def _format(rng: random.Random, pattern: str) -> str:
    return pattern.format(
        surname=sample.surname(rng),
        first_name=sample.first_name(rng),
        tree=rng.choice(TREES),
        dish=rng.choice(DISHES),
        city="{city}",
    )


def _business(rng: random.Random, name: str, address: dict[str, str]) -> CustomerSpec:
    fields = {"kind": Customer.Kind.BUSINESS, "name": name, **address}
    fields["phone"] = sample.phone_landline(rng, address["postcode"], fiction=True)
    fields.update(_business_identity(rng, name))
    fields.update(_bank_details(rng, 0.6))
    fields["payment_terms_days"] = rng.choice([30, 30, 45, 60])
    return CustomerSpec(fields)


def professional(rng: random.Random) -> CustomerSpec:
    address = _address(rng)
    spec = _business(rng, _format(rng, rng.choice(PROFESSIONAL_NAMES)), address)
    spec.sites.append({"name": "Établissement principal", "access_notes": _shop_notes(rng)})
    if rng.random() < 0.35:
        spec.sites.append({"name": "Entrepôt", **_address_near(rng, address), "billing_group": "B"})
    spec.contacts.append(_contact(rng, Contact.Role.DIRECTION, label=" (gérant)"))
    if rng.random() < 0.5:
        spec.contacts.append(_contact(rng, Contact.Role.ACCOUNTING))
    return spec


def _shop_notes(rng: random.Random) -> str:
    return rng.choice(
        [
            "Intervention avant l'ouverture (7 h - 8 h 30). Alarme : code remis par le gérant.",
            "Entrée par la porte de service, cour intérieure.",
            "Badge à récupérer à l'accueil ; parking visiteurs au sous-sol.",
            "Fermé le lundi. Clés dans la boîte à clés à gauche du rideau.",
        ]
    )


def _address_near(rng: random.Random, address: dict[str, str]) -> dict[str, str]:
    """Another street in the same city."""
    return {**address, "street": sample.street(rng)}


SYNDIC_NAMES = ["Cabinet {surname} Gestion", "{surname} & Associés Syndic",
                "Syndic {city} Habitat", "Gérance {surname}"]  # fmt: skip


def syndic(rng: random.Random) -> CustomerSpec:
    address = _address(rng)
    name = _format(rng, rng.choice(SYNDIC_NAMES)).format(city=address["city"])
    spec = _business(rng, name, address)
    spec.contacts.append(_contact(rng, Contact.Role.DIRECTION, label=" (gestionnaire)"))
    spec.contacts.append(_contact(rng, Contact.Role.ACCOUNTING))
    for index, residence in enumerate(rng.sample(sample.RESIDENCES, k=rng.randint(1, 3))):
        spec.sites.append(
            {
                "name": f"Résidence {residence}",
                **_address_near(rng, address),
                # Each co-ownership is billed on its own: one billing group per residence.
                "billing_group": "ABC"[index],
                "access_notes": sample.access_notes(rng, "Gardien"),
            }
        )
        if rng.random() < 0.6:
            spec.contacts.append(_contact(rng, Contact.Role.TECHNICAL, index, " (gardien)"))
    return spec


BANK_NAMES = [
    "Banque Régionale de l'Ouest", "Crédit Mutualiste du Centre", "Banque des Flandres",
    "Caisse Solidaire du Sud", "Banque Alpine", "Crédit Maritime Atlantique",
    "Banque Rhodanienne", "Caisse d'Épargne Solidaire", "Banque de Provence",
    "Crédit Lorrain",
]  # fmt: skip
BANK_BRANCHES = ["Centre", "Gare", "République", "Hôtel de Ville", "Université", "Port"]


def bank(rng: random.Random) -> CustomerSpec:
    address = _address(rng)
    name = f"{rng.choice(BANK_NAMES)} - {address['city']}"
    spec = _business(rng, name, address)
    for quarter in rng.sample(BANK_BRANCHES, k=rng.randint(1, 3)):
        spec.sites.append(
            {
                "name": f"Agence {address['city']} {quarter}",
                **_address_near(rng, address),
                "access_notes": "Accès par le sas ; se présenter au guichet. Coffre interdit.",
            }
        )
    spec.contacts.append(_contact(rng, Contact.Role.TECHNICAL, label=" (services généraux)"))
    spec.contacts.append(_contact(rng, Contact.Role.ACCOUNTING))
    return spec


AGENCY_NAMES = ["{surname} Immobilier", "Agence de la Gare", "L'Immobilière de {city}",
                "Immo {surname}", "Cabinet {surname} Transactions"]  # fmt: skip


def agency(rng: random.Random) -> CustomerSpec:
    address = _address(rng)
    name = _format(rng, rng.choice(AGENCY_NAMES)).format(city=address["city"])
    spec = _business(rng, name, address)
    spec.sites.append({"name": "Agence", "access_notes": _shop_notes(rng)})
    for _index in range(rng.randint(0, 2)):
        spec.sites.append(
            {
                "name": f"Logement à louer - {rng.choice(sample.RESIDENCES)}",
                **_address_near(rng, address),
                "billing_group": "B",
                "access_notes": "Clés à retirer à l'agence la veille.",
            }
        )
    spec.contacts.append(_contact(rng, Contact.Role.DIRECTION, label=" (responsable d'agence)"))
    return spec


MAKERS = {PARTICULIERS: individual, None: individual, PROFESSIONNELS: professional,
          SYNDICS: syndic, BANQUES: bank, AGENCES: agency}  # fmt: skip


def customer_specs(rng: random.Random) -> list[tuple[str | None, CustomerSpec]]:
    """The demo customers, in a fixed order, each with a (name, postcode) of its own."""
    specs: list[tuple[str | None, CustomerSpec]] = []
    seen: set[tuple[str, str]] = set()
    for family, count in DEMO_MIX:
        made = 0
        while made < count:
            spec = MAKERS[family](rng)
            if spec.key in seen:
                continue
            seen.add(spec.key)
            specs.append((family, spec))
            made += 1
    rng.shuffle(specs)
    return specs


def _rep_for(rng: random.Random, users: dict[str, User]) -> User | None:
    """Split between the two sales reps; a few customers have none."""
    draw = rng.random()
    if draw < 0.06:
        return None
    return users["commercial1"] if draw < 0.53 else users["commercial2"]


def load_customers(*, context: DemoContext) -> str:
    rng = context.random("customers")
    director = context.users["direction"]
    families = {family.name.lower(): family for family in families_list()}
    for name in DEMO_FAMILIES:
        if name.lower() not in families:
            families[name.lower()] = family_create(by=director, name=name)
    existing = set(Customer.objects.values_list("name", "postcode"))
    created = 0
    for family_name, spec in customer_specs(rng):
        rep = _rep_for(rng, context.users)
        if spec.key in existing:
            continue
        family = families[family_name.lower()] if family_name else None
        customer_make(spec, family=family, rep=rep, by=rep or director)
        created += 1
    return f"Clients : {created} créé(s), {len(existing)} déjà présent(s)."


def customer_make(
    spec: CustomerSpec, *, family: Family | None, rep: User | None, by: User
) -> Customer:
    with transaction.atomic():
        customer = customer_create(by=by, family=family, sales_rep=rep, **spec.fields)
        sites = []
        for site in spec.sites:
            sites.append(site_create(customer=customer, by=by, **site))
        for contact in spec.contacts:
            index = contact["site"]
            fields = {**contact, "site": sites[index] if index is not None else None}
            contact_create(customer=customer, by=by, **fields)
    return customer
