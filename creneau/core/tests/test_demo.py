"""`manage.py demo`: a realistic company, loaded once, whatever the number of runs."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from creneau.core.demo import DemoContext, load_company_and_staff
from creneau.core.models import AuditEvent, Company
from creneau.core.roles import Role, user_role
from creneau.core.validators import (
    normalise_iban,
    normalise_siren_or_siret,
    normalise_vat_number,
)
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.selectors import customers_filter, customers_visible_to


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Family, Customer, Site, Contact, AuditEvent)
    }


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (it takes seconds), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """Each test runs in a savepoint inside the module's transaction."""


def test_demo_runs_again_without_duplicating(demo):
    first = counts()
    output = StringIO()
    call_command("demo", stdout=output)
    assert counts() == first
    assert "0 créé(s)" in output.getvalue()
    assert 190 <= first["Customer"] <= 210


def test_demo_staff_log_in_with_demo_password_and_have_their_role(demo):
    expected = {
        "direction": Role.DIRECTION,
        "commercial1": Role.SALES,
        "commercial2": Role.SALES,
        "planning": Role.PLANNER,
        "compta": Role.ACCOUNTANT,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("demo")
        assert user_role(user) == role
        assert user.first_name and user.last_name


def test_demo_company_identity_is_valid(demo):
    company = Company.load()
    assert company.legal_name and company.city
    assert normalise_siren_or_siret(company.siret) == company.siret
    assert normalise_vat_number(company.vat_number) == company.vat_number
    assert company.vat_number.endswith(company.siret[:9])
    assert normalise_iban(company.iban) == company.iban
    assert company.bic and company.sap_number and company.sepa_creditor_id.startswith("FR")


def test_demo_keeps_a_company_that_direction_filled_in(db):
    company = Company.load()
    company.legal_name, company.siret = "Ma vraie société", "73282932000074"
    company.save()
    load_company_and_staff(context=DemoContext())
    assert Company.load().legal_name == "Ma vraie société"
    assert User.objects.filter(username__in=["direction", "compta"]).count() == 2


def test_demo_customers_are_split_between_reps_and_valid(demo):
    reps = dict(Customer.objects.values_list("sales_rep__username").annotate(Count("id")))
    assert reps["commercial1"] > 70 and reps["commercial2"] > 70
    assert 0 < reps[None] < 25
    kinds = set(Customer.objects.values_list("kind", flat=True))
    assert kinds == {Customer.Kind.INDIVIDUAL, Customer.Kind.BUSINESS}
    assert set(Family.objects.values_list("name", flat=True)) >= {
        "Particuliers", "Professionnels", "Syndics", "Banques", "Agences immobilières",
    }  # fmt: skip
    for customer in Customer.objects.all():
        customer.full_clean()  # every generated phone, SIRET, VAT number and IBAN is valid
    assert Customer.objects.exclude(siret="").filter(kind="business").count() > 40
    assert Customer.objects.exclude(iban="").count() > 40
    assert Customer.objects.exclude(notes="").filter(notes__icontains="digicode").exists()


def test_demo_customers_have_sites_contacts_and_history(demo):
    sites_per_customer = Customer.objects.annotate(n=Count("sites")).values_list("n", flat=True)
    assert min(sites_per_customer) >= 1 and max(sites_per_customer) <= 3
    assert Site.objects.filter(billing_group="B").exists()
    assert Contact.objects.filter(site__isnull=False).exists()
    assert {role for role, _label in Contact.Role.choices} - {"other"} <= set(
        Contact.objects.values_list("role", flat=True)
    )
    customer = Customer.objects.filter(sites__billing_group="B").first()
    assert AuditEvent.objects.filter(customer_id=customer.pk, object_type="site").exists()
    assert customer.code.startswith("C") and customer.accounting_code == f"411{customer.code}"


def test_demo_data_is_searchable_and_rep_sees_only_own(demo):
    rep = User.objects.get(username="commercial1")
    visible = customers_visible_to(rep)
    assert visible.count() == Customer.objects.filter(sales_rep=rep).count()
    site = Site.objects.filter(customer__sales_rep=rep).exclude(name="Domicile").first()
    found = customers_filter(user=rep, filters={"q": site.street})
    assert site.customer in found
    other = User.objects.get(username="commercial2")
    assert not customers_filter(user=other, filters={"q": site.customer.code}).exists()
