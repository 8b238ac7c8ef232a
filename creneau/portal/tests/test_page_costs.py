"""What a portal page costs in queries (issue 14's load test): the company's name is read
once a minute per process, an invoice's PDF reads the invoice once, a site-level access's
billing group is looked up once per request; the calendar shows each visit's times in
both layouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from creneau.core.models import Company
from creneau.planning.models import Intervention
from creneau.portal.tests.pages_data import (
    PDF_BYTES,
    customer_data,
    portal_access,
    visit_on,
)

pytestmark = pytest.mark.django_db
DASH = "\N{EN DASH}"


@pytest.fixture
def owner():
    return customer_data(quotes=False)


def company_queries(captured) -> int:
    return sum('"core_company"' in query["sql"] for query in captured)


def test_the_company_is_read_once_for_many_pages_and_again_when_saved(
    owner, portal_client_for, django_assert_max_num_queries
):
    company = Company.load()
    company.legal_name = "Propre & Net"
    company.save()
    client = portal_client_for(portal_access(owner.customer))
    url = reverse("portal:visits")
    with django_assert_max_num_queries(20) as captured:
        for _ in range(3):
            assert "Propre &amp; Net" in client.get(url).content.decode()
    assert company_queries(captured) == 1
    company.legal_name = "Brillant SARL"
    company.save()  # forgets the cached name in this process
    with django_assert_max_num_queries(20) as captured:
        assert "Brillant SARL" in client.get(url).content.decode()
    assert company_queries(captured) == 1


def test_the_login_page_shows_the_company_too(client):
    company = Company.load()
    company.phone = "0102030405"
    company.legal_name = "Clair Services"
    company.save()
    html = client.get(reverse("portal:home")).content.decode()
    assert "Clair Services" in html and "tel:" in html


def test_an_invoice_pdf_reads_the_invoice_once(owner, portal_client_for, django_assert_num_queries):
    invoice = owner.invoices[0]
    client = portal_client_for(portal_access(owner.customer))
    url = reverse("portal:invoice_pdf", args=[invoice.pk])
    # The session, the portal user, the invoice.
    with django_assert_num_queries(3) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content == PDF_BYTES + invoice.number.encode()
    assert sum('FROM "billing_invoice"' in query["sql"] for query in captured) == 1


def test_the_page_query_counts(owner, portal_client_for, django_assert_num_queries):
    site_alone = owner.sites[2]
    account = portal_client_for(portal_access(owner.customer))
    alone = portal_client_for(portal_access(owner.customer, site=site_alone))
    visits, invoices = reverse("portal:visits"), reverse("portal:invoices")
    for client in (account, alone):
        client.get(visits)  # the company's name, read once a minute
    # session, user, sites, visits of the month
    for client in (account, alone):
        with django_assert_num_queries(4):
            assert client.get(visits).status_code == 200
        with django_assert_num_queries(5):  # + the count of the list
            assert client.get(visits, {"vue": "liste"}).status_code == 200
    # session, user, count, rows, the whole account's balance: 4 aggregates, exact (one
    # query of 8 scalar subqueries was tried: fewer round trips, but more ORM CPU)
    with django_assert_num_queries(8):
        assert account.get(invoices).status_code == 200
    # ... a site alone in its billing group: its group looked up once, 1 aggregate
    with django_assert_num_queries(6):
        assert alone.get(invoices).status_code == 200


def test_the_calendar_shows_real_times_in_both_layouts(owner, portal_client_for):
    site = owner.sites[0]
    done = visit_on(site, days=1, status=Intervention.Status.DONE)
    done.actual_start = done.start + timedelta(minutes=10)
    done.actual_end = done.start + timedelta(minutes=95)
    done.save()
    planned = visit_on(site, days=1)
    Intervention.objects.filter(pk=planned.pk).update(
        start=done.start + timedelta(hours=4), end=done.start + timedelta(hours=5), service=None
    )
    client = portal_client_for(portal_access(owner.customer))
    month = timezone.localtime(done.start).strftime("%Y-%m")
    html = client.get(reverse("portal:visits"), {"mois": month}).content.decode()
    real = f"09:10{DASH}10:35"
    assert html.count(real) == 2  # the table and the phone list
    assert f"13:00{DASH}14:00</span> Intervention" in html  # the table
    assert f"13:00{DASH}14:00</span> · Intervention" in html  # the phone list
    assert html.count(f'href="{reverse("portal:visit", args=[done.pk])}"') == 2
    listed = client.get(reverse("portal:visits"), {"vue": "liste"}).content.decode()
    assert f"13:00{DASH}14:00 · Intervention" in listed
