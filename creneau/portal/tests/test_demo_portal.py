"""The portal's demo (`manage.py demo`): Durand's account access and a caretaker's site
access, password "demo", with something to see behind each; loaded once, whatever the runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from creneau.core.demo import DemoContext
from creneau.portal.demo import CARETAKER_EMAIL, DURAND_EMAIL, load_portal
from creneau.portal.models import PortalUser
from creneau.portal.selectors import (
    portal_documents,
    portal_invoices,
    portal_quotes,
    portal_visits,
)


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


def test_durand_sees_the_whole_account_with_something_in_every_part(demo):
    durand = PortalUser.objects.get(email=DURAND_EMAIL)
    assert durand.customer.name == "Durand Martine" and durand.site is None
    assert durand.is_active and durand.check_password("demo")
    assert durand.customer.sites.count() == 2
    today = timezone.localdate()
    this_month = portal_visits(durand).filter(start__year=today.year, start__month=today.month)
    if today.day > 2:  # MO, WE, FR since the first of last month
        assert this_month.filter(status="done").exists()
    assert portal_visits(durand).filter(status="planned").exists()
    quote = portal_quotes(durand).get()
    assert quote.status == "sent" and quote.validity_date >= today
    assert portal_invoices(durand).filter(status="issued").exists()
    assert [document.name for document in portal_documents(durand)] == [
        "Contrat d'entretien Durand.pdf"
    ]


def test_the_caretaker_sees_one_site_alone_in_its_billing_group(demo):
    caretaker = PortalUser.objects.get(email=CARETAKER_EMAIL)
    assert caretaker.check_password("demo") and caretaker.site is not None
    site = caretaker.site
    assert caretaker.customer.sites.count() >= 2
    assert not caretaker.customer.sites.filter(billing_group=site.billing_group).exclude(pk=site.pk)
    assert portal_visits(caretaker).filter(status="done").exists()
    assert set(portal_visits(caretaker).values_list("site_id", flat=True)) == {site.pk}
    assert portal_invoices(caretaker).exists()


def test_loading_again_adds_nothing(demo):
    counts = {
        "accesses": PortalUser.objects.count(),
        "durand": PortalUser.objects.get(email=DURAND_EMAIL).customer.pk,
    }
    durand = PortalUser.objects.get(email=DURAND_EMAIL).customer
    related = (
        durand.quotes.count(),
        durand.invoices.count(),
        durand.documents.count(),
    )
    line = load_portal(context=DemoContext())
    assert DURAND_EMAIL in line and "demo" in line
    assert PortalUser.objects.count() == counts["accesses"]
    durand.refresh_from_db()
    assert (durand.quotes.count(), durand.invoices.count(), durand.documents.count()) == related
