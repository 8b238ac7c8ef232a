"""The SEPA mandates' services: a generated RUM, the checks (IBAN, RUM, one active mandate),
editing until the first collection, revocation, the 36 months' expiry (the daily task and
the command), and what billing learns from them."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from creneau.billing.settlement import direct_debit_account_of, direct_debit_mandates_of
from creneau.core.models import AuditEvent
from creneau.customers.models import Customer
from creneau.payments.mandates import (
    expiry_date,
    mandate_create,
    mandate_revoke,
    mandate_update,
    mandates_expire,
    rum_errors,
    rum_generate,
)
from creneau.payments.models import Mandate, MandateScheme, MandateStatus, MandateType
from creneau.payments.tasks import mandates_expire_daily
from creneau.payments.tests.mandate_helpers import (
    DEBTOR_BIC,
    DEBTOR_IBAN,
    GERMAN_IBAN,
    NON_SEPA_IBAN,
    debtor,
    signed_mandate,
)

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.value.messages)


def test_a_mandate_gets_a_generated_rum_the_customer_name_and_the_bic(direction):
    customer = debtor()
    mandate = mandate_create(
        customer=customer, by=direction, iban="fr14 2004 1010 0505 0001 3m02 606"
    )
    today = timezone.localdate()
    assert mandate.rum == f"C00042-{today:%Y%m%d}-1"
    assert mandate.iban == DEBTOR_IBAN
    assert mandate.bic == DEBTOR_BIC  # derived from the French IBAN
    assert mandate.debtor_name == customer.name
    assert mandate.scheme == MandateScheme.CORE
    assert mandate.type == MandateType.RECURRENT
    assert mandate.status == MandateStatus.ACTIVE
    assert mandate.created_by == direction
    event = AuditEvent.objects.get(object_type="mandate", object_id=str(mandate.pk))
    assert event.customer_id == customer.pk and mandate.rum in event.message


def test_the_next_rum_of_the_day_is_numbered_on(direction):
    customer = debtor()
    first = signed_mandate(customer)
    mandate_revoke(mandate=first, by=direction)
    assert rum_generate(customer) == first.rum[:-1] + "2"


def test_a_business_defaults_to_b2b_which_an_individual_cannot_take(direction):
    customer = debtor(kind=Customer.Kind.BUSINESS)
    assert signed_mandate(customer).scheme == MandateScheme.B2B
    with pytest.raises(ValidationError) as error:
        signed_mandate(debtor(code="C00043"), scheme=MandateScheme.B2B)
    assert "professionnels" in " ".join(error.value.message_dict["scheme"])


@pytest.mark.parametrize(
    ("iban", "expected"),
    [
        ("", "Indiquez l'IBAN"),
        ("FR7630006000011234567890180", "IBAN invalide"),
        (NON_SEPA_IBAN, "zone SEPA"),
    ],
)
def test_a_mandate_needs_a_valid_sepa_iban(iban, expected):
    with pytest.raises(ValidationError) as error:
        mandate_create(customer=debtor(), by=None, iban=iban)
    assert expected in " ".join(error.value.message_dict["iban"])
    assert not Mandate.objects.exists()


def test_a_foreign_iban_keeps_an_empty_or_given_bic():
    mandate = mandate_create(customer=debtor(), by=None, iban=GERMAN_IBAN, bic="cobadeffxxx")
    assert mandate.bic == "COBADEFFXXX"


@pytest.mark.parametrize(
    ("rum", "expected"),
    [
        ("A" * 36, "35 caractères"),
        ("RUM-É", "lettres sans accent"),
        ("RUM_1", "lettres sans accent"),
        ("/RUM", "« / »"),
        ("RUM//1", "« / »"),
    ],
)
def test_a_rum_is_checked(rum, expected):
    with pytest.raises(ValidationError) as error:
        mandate_create(customer=debtor(), by=None, iban=DEBTOR_IBAN, rum=rum)
    assert expected in " ".join(error.value.message_dict["rum"])


def test_a_rum_is_normalised_and_unique():
    assert rum_errors("ABC +?/-:().,' 09") == []
    mandate = mandate_create(customer=debtor(), by=None, iban=DEBTOR_IBAN, rum="  ab  12 ")
    assert mandate.rum == "AB 12"
    with pytest.raises(ValidationError) as error:
        mandate_create(customer=debtor(code="C00043"), by=None, iban=DEBTOR_IBAN, rum="ab 12")
    assert "existe déjà" in " ".join(error.value.message_dict["rum"])


def test_one_active_mandate_per_customer():
    customer = debtor()
    signed_mandate(customer)
    with pytest.raises(ValidationError) as error:
        signed_mandate(customer)
    assert "déjà un mandat actif" in messages(error)


def test_a_signature_date_in_the_future_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        signed_mandate(debtor(), signature_date=tomorrow)
    assert "futur" in " ".join(error.value.message_dict["signature_date"])


def test_before_its_first_collection_everything_is_edited(direction):
    mandate = signed_mandate(debtor(kind=Customer.Kind.BUSINESS))
    mandate = mandate_update(
        mandate=mandate, by=direction, rum="NEW-RUM", iban=GERMAN_IBAN, type=MandateType.ONE_OFF,
        scheme=MandateScheme.CORE, signature_place="Nantes",
    )  # fmt: skip
    mandate.refresh_from_db()
    assert (mandate.rum, mandate.iban, mandate.bic) == ("NEW-RUM", GERMAN_IBAN, "COBADEFFXXX")
    assert (mandate.type, mandate.scheme, mandate.signature_place) == ("OOFF", "CORE", "Nantes")
    event = AuditEvent.objects.filter(object_type="mandate", action="update").get()
    assert event.changes["rum"][1] == "NEW-RUM"


def test_after_its_first_collection_only_the_holder_name_is_edited(direction):
    mandate = signed_mandate(debtor())
    Mandate.objects.filter(pk=mandate.pk).update(
        first_collection_date=timezone.localdate(), last_collection_date=timezone.localdate()
    )
    mandate.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        mandate_update(mandate=mandate, by=direction, iban=GERMAN_IBAN)
    assert "déjà servi" in messages(error)
    with pytest.raises(ValidationError):
        mandate_update(mandate=mandate, by=direction, rum="OTHER")
    # The same values given again (a form sends every field) are not a change.
    mandate_update(mandate=mandate, by=direction, rum=mandate.rum.lower(), debtor_name="M. Durand")
    mandate.refresh_from_db()
    assert mandate.debtor_name == "M. Durand" and mandate.iban == DEBTOR_IBAN


def test_revoking_ends_the_mandate_and_it_stays_ended(direction):
    customer = debtor()
    mandate = signed_mandate(customer)
    today = timezone.localdate()
    mandate_revoke(mandate=mandate, by=direction, reason="Demande du client", on=today)
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.REVOKED
    assert (mandate.revoked_on, mandate.revocation_reason) == (today, "Demande du client")
    with pytest.raises(ValidationError) as error:
        mandate_revoke(mandate=mandate, by=direction)
    assert "déjà révoqué" in messages(error)
    with pytest.raises(ValidationError) as error:
        mandate_update(mandate=mandate, by=direction, debtor_name="X")
    assert "ne redevient pas actif" in messages(error)
    # A new mandate can now be made for the customer.
    assert signed_mandate(customer).status == MandateStatus.ACTIVE


def test_a_revocation_in_the_future_is_refused(direction):
    mandate = signed_mandate(debtor())
    with pytest.raises(ValidationError) as error:
        mandate_revoke(mandate=mandate, by=direction, on=timezone.localdate() + timedelta(days=1))
    assert "future" in " ".join(error.value.message_dict["revoked_on"])


def _dated(mandate: Mandate, **dates) -> Mandate:
    Mandate.objects.filter(pk=mandate.pk).update(**dates)
    mandate.refresh_from_db()
    return mandate


def test_a_mandate_expires_36_months_after_its_last_collection_or_signature():
    signed_only = _dated(signed_mandate(debtor()), signature_date=date(2023, 3, 10))
    collected = _dated(
        signed_mandate(debtor(code="C00043")),
        signature_date=date(2020, 1, 1),
        first_collection_date=date(2020, 2, 5),
        last_collection_date=date(2023, 3, 20),
    )
    assert expiry_date(signed_only) == date(2026, 3, 10)
    assert expiry_date(collected) == date(2026, 3, 20)
    assert mandates_expire(date(2026, 3, 9)) == 0
    assert mandates_expire(date(2026, 3, 10)) == 1
    signed_only.refresh_from_db()
    collected.refresh_from_db()
    assert signed_only.status == MandateStatus.EXPIRED
    assert collected.status == MandateStatus.ACTIVE
    assert mandates_expire(date(2026, 3, 20)) == 1
    collected.refresh_from_db()
    assert collected.status == MandateStatus.EXPIRED
    event = AuditEvent.objects.filter(object_type="mandate", message__contains="expiré").earliest(
        "id"
    )
    assert event is not None and event.customer_id == signed_only.customer_id
    with pytest.raises(ValidationError):
        mandate_update(mandate=collected, by=None, debtor_name="X")


def test_the_daily_task_and_the_command_expire_mandates():
    old = timezone.localdate() - timedelta(days=3 * 366 + 1)
    first = _dated(signed_mandate(debtor()), signature_date=old)
    assert mandates_expire_daily() == 1
    first.refresh_from_db()
    assert first.status == MandateStatus.EXPIRED
    second = _dated(signed_mandate(debtor(code="C00043")), signature_date=old)
    out = StringIO()
    call_command("mandates_expire", stdout=out)
    assert "1 mandat(s) expiré(s)" in out.getvalue()
    second.refresh_from_db()
    assert second.status == MandateStatus.EXPIRED


def test_billing_learns_the_active_signed_mandates():
    signed = debtor()
    mandate = signed_mandate(signed)
    unsigned = debtor(code="C00043")
    mandate_create(customer=unsigned, by=None, iban=DEBTOR_IBAN)
    revoked = debtor(code="C00044")
    mandate_revoke(mandate=signed_mandate(revoked), by=None)
    rums = direct_debit_mandates_of([signed.pk, unsigned.pk, revoked.pk])
    assert rums == {signed.pk: mandate.rum}
    assert direct_debit_account_of(mandate.rum) == DEBTOR_IBAN
    assert direct_debit_account_of("") == ""


def test_the_demo_mandates_are_deterministic():
    import random

    from creneau.payments.demo_sepa import demo_mandates

    for number in range(10):
        debtor(code=f"D{number:05d}", city="Nantes")
    debtor(code="B00001", kind=Customer.Kind.BUSINESS)
    counts = demo_mandates(rng=random.Random("2026:mandates"))
    assert counts == {"core": 2, "b2b": 1, "revoked": 1}
    active = Mandate.objects.filter(status=MandateStatus.ACTIVE)
    assert active.filter(scheme="CORE", type="RCUR", signature_date__isnull=False).count() == 2
    assert active.get(scheme="B2B").customer.code == "B00001"
    revoked = Mandate.objects.get(status=MandateStatus.REVOKED)
    assert revoked.revoked_on >= revoked.signature_date
    first = sorted(Mandate.objects.values_list("customer__code", flat=True))
    Mandate.objects.all().delete()
    demo_mandates(rng=random.Random("2026:mandates"))
    assert sorted(Mandate.objects.values_list("customer__code", flat=True)) == first
