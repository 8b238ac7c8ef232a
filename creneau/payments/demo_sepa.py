"""Demo SEPA mandates: about one individual customer in five with bank details pays by
direct debit (a signed CORE mandate, recurrent), one business customer under a B2B mandate,
and one mandate revoked when its customer changed banks.

The loader (creneau.core.demo.DEMO_LOADERS) runs after the payments' one. Idempotent: it
does nothing when mandates exist. Deterministic: the customers and the signature dates come
from `context.random("mandates")`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from creneau.core import sample_data
from creneau.core.demo import DemoContext
from creneau.customers.models import Customer
from creneau.payments.mandates import mandate_create, mandate_revoke
from creneau.payments.models import Mandate, MandateScheme, MandateType

SHARE = 5  # one individual customer in SHARE
PLACES = ["Nantes", "Rezé", "Saint-Herblain", "Orvault", "Vertou", "Carquefou"]
REVOKED_REASON = "Changement de banque : nouveau mandat à signer."


def _signed(rng: random.Random, customer: Customer, by: User | None, **fields) -> Mandate:
    today = timezone.localdate()
    return mandate_create(
        customer=customer,
        by=by,
        iban=fields.pop("iban", customer.iban),
        bic=fields.pop("bic", customer.bic),
        signature_date=today - timedelta(days=rng.randint(20, 700)),
        signature_place=customer.city or rng.choice(PLACES),
        **fields,
    )


def demo_mandates(*, rng: random.Random, by: User | None = None) -> dict[str, int]:
    """Make the demo's mandates; how many of each kind."""
    individuals = list(
        Customer.objects.filter(kind=Customer.Kind.INDIVIDUAL, is_active=True)
        .exclude(iban="")
        .order_by("pk")
    )
    chosen = rng.sample(individuals, len(individuals) // SHARE) if individuals else []
    for customer in sorted(chosen, key=lambda customer: customer.pk):
        _signed(rng, customer, by, scheme=MandateScheme.CORE, type=MandateType.RECURRENT)
    counts = {"core": len(chosen), "b2b": 0, "revoked": 0}
    business = (
        Customer.objects.filter(kind=Customer.Kind.BUSINESS, is_active=True)
        .order_by("-iban", "pk")  # one with bank details first
        .first()
    )
    if business is not None:
        iban = business.iban or sample_data.iban(rng)
        _signed(rng, business, by, iban=iban, bic="", scheme=MandateScheme.B2B)
        counts["b2b"] = 1
    others = [customer for customer in individuals if customer not in chosen]
    if others:
        customer = rng.choice(others)
        mandate = _signed(rng, customer, by)
        revoked_on = min(
            mandate.signature_date + timedelta(days=rng.randint(30, 200)), timezone.localdate()
        )
        mandate_revoke(mandate=mandate, by=by, reason=REVOKED_REASON, on=revoked_on)
        counts["revoked"] = 1
    return counts


def load_mandates(*, context: DemoContext) -> str:
    """Demo loader, after the payments': the SEPA mandates."""
    if Mandate.objects.exists():
        return "Mandats SEPA : déjà présents."
    by = context.users.get("compta") or context.users.get("direction")
    counts = demo_mandates(rng=context.random("mandates"), by=by)
    return (
        f"Mandats SEPA : {counts['core']} particulier(s) en prélèvement (CORE), "
        f"{counts['b2b']} professionnel (B2B), {counts['revoked']} mandat révoqué."
    )
