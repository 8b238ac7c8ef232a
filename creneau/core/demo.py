"""Demo data: a realistic French company that `manage.py demo` loads for a first look.

Each app contributes one loader, listed in DEMO_LOADERS in the order they must run (an app's
loader may rely on what the loaders above it made). A loader takes the DemoContext and
returns one line for the console; it creates only what is missing, so the command runs
again without duplicating anything, and it draws its random values from
`context.random(<its name>)`, so the data is the same on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils.module_loading import import_string

from creneau.core import sample_data
from creneau.core.models import Company
from creneau.core.roles import Role
from creneau.core.validators import bic_from_iban

DEMO_LOADERS: list[str] = [
    "creneau.core.demo.load_company_and_staff",
    "creneau.customers.demo.load_customers",
    "creneau.customers.demo_documents.load_documents",
    "creneau.quotes.demo.load_quotes",
    "creneau.planning.demo.load_planning",
    # Before the month's billing run: numbers never go back in time (last year's first).
    "creneau.payments.demo_last_year.load_last_year_home_services",
    "creneau.payments.demo.load_earlier_invoices",
    "creneau.billing.demo.load_billing",
    "creneau.payments.demo.load_payments",
    "creneau.payments.demo_sepa.load_mandates",
    "creneau.payments.demo_batches.demo_sepa_batches",
    "creneau.accounting.demo_fec.load_fiscal_years",
    "creneau.accounting.demo.demo_tax_certificates",
    # Last: Durand's account is made after the billing run, so that it is not billed twice.
    "creneau.portal.demo.load_portal",
]

DEMO_PASSWORD = "demo"

# username, role, first name, last name
DEMO_STAFF: list[tuple[str, Role, str, str]] = [
    ("direction", Role.DIRECTION, "Hélène", "Marchand"),
    ("commercial1", Role.SALES, "Claire", "Lambert"),
    ("commercial2", Role.SALES, "Thomas", "Roussel"),
    ("planning", Role.PLANNER, "Julien", "Fabre"),
    ("compta", Role.ACCOUNTANT, "Nathalie", "Perrin"),
    # An employee of the planning (creneau.planning.demo links her record to this login).
    ("intervenant", Role.EMPLOYEE, "Inès", "Moreau"),
]


@dataclass
class DemoContext:
    """What the loaders share: the seed and the staff users by username."""

    seed: int = 2026
    users: dict[str, User] = field(default_factory=dict)

    def random(self, name: str) -> random.Random:
        """A random generator of its own for each loader, so that adding a loader does not
        change the data of the others."""
        return random.Random(f"{self.seed}:{name}")


def demo_load(*, context: DemoContext | None = None, log: Callable[[str], None] = print) -> None:
    """Run every loader of DEMO_LOADERS in order."""
    context = context or DemoContext()
    for path in DEMO_LOADERS:
        loader = import_string(path)
        log(loader(context=context))


def load_company_and_staff(*, context: DemoContext) -> str:
    """The company's identity (unless direction already filled it in) and the staff users."""
    company = Company.load()
    if not company.siret:
        company_fill(company, context.random("company"))
        company.save()
        company_state = "société renseignée"
    else:
        company_state = "société déjà renseignée"
    created = 0
    # One hash for the shared demo password: Argon2 is slow on purpose, and five of them
    # would cost a second at each `make run` on a fresh database.
    password = make_password(DEMO_PASSWORD)
    for username, role, first_name, last_name in DEMO_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first_name, last_name=last_name)
            user.email = sample_data.email(f"{first_name}.{last_name}", "clairnet.example.com")
            user.password = password
            user.save()
            user.groups.add(Group.objects.get(name=role))
            created += 1
        context.users[username] = user
    return f"Société et équipe : {company_state}, {created} utilisateur(s) créé(s)."


def company_fill(company: Company, rng: random.Random) -> None:
    siren = sample_data.siren(rng)
    company.legal_name = "Clair & Net Services"
    company.legal_form = "SAS"
    company.capital = 40000
    company.street = "14 rue du Calvaire"
    company.postcode = "44000"
    company.city = "Nantes"
    company.country = "FR"
    company.siret = sample_data.siret(rng, siren)
    company.register = Company.Register.RCS
    company.register_city = "Nantes"
    company.vat_number = sample_data.vat_number(siren)
    company.phone = sample_data.phone_landline(rng, "44000", fiction=True)
    company.email = "contact@clairnet.example.com"
    company.sap_number = f"SAP{siren}"
    company.sepa_creditor_id = sample_data.sepa_creditor_id(rng)
    company.iban = sample_data.iban(rng)
    company.bic = bic_from_iban(company.iban)
