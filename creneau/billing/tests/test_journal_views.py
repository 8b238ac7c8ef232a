"""The journal's page: direction and accounting read it and verify it; anyone else gets a
404. Its pages are cut by sequence numbers, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection

from creneau.billing.models import Invoice, JournalVerification
from creneau.billing.tests.journal_helpers import issued_invoice
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URL, VERIFY_URL = "/invoices/journal/", "/invoices/journal/verify/"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def invoices(direction):
    customer = CustomerFactory(name="Boulangerie Martin")
    return [issued_invoice(customer, direction, price="100") for _ in range(3)]


@pytest.mark.parametrize("role", ["direction", "accountant"])
def test_direction_and_accounting_read_the_journal(request, role, invoices, client_for):
    response = client_for(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for invoice in invoices:
        assert invoice.number in html
    assert "Boulangerie Martin" in html and "120,00" in html
    assert invoices[0].journal_entries.get().hash[:12] in html
    assert "pas encore été vérifié" in html and "Vérifier maintenant" in html


# An intervenant's login is kept to its day and week by the middleware (403) before this.
@pytest.mark.parametrize("role, status", [("rep", 404), ("planner", 404), ("field_worker", 403)])
def test_others_are_refused(request, role, status, invoices, client_for):
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == status
    assert client.post(VERIFY_URL).status_code == status
    assert not JournalVerification.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_verify_now_records_and_shows_the_result(invoices, accountant, client_for, settings):
    settings.TASKS = IMMEDIATE
    client = client_for(accountant)
    assert client.get(VERIFY_URL).status_code == 405
    response = client.post(VERIFY_URL, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vérification lancée" in html
    assert "journal intègre, 3 écriture(s) vérifiée(s)" in html
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Invoice._meta.db_table} SET total_gross = 1 WHERE id = %s",
            [invoices[1].pk],
        )
    html = client.post(VERIFY_URL, follow=True).content.decode()
    assert "journal rompu" in html
    assert f"Écriture n° 2 ({invoices[1].number}) : facture modifiée" in html
    assert JournalVerification.objects.count() == 2


def test_pages_are_cut_by_sequence_in_a_fixed_number_of_queries(
    direction, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    invoices = [issued_invoice(customer, direction) for _ in range(55)]
    client = client_for(direction)
    with django_assert_max_num_queries(12):
        first = client.get(URL).content.decode()
    with django_assert_max_num_queries(12):
        second = client.get(URL, {"page": "2"}).content.decode()
    assert invoices[-1].number in first and invoices[5].number in first
    assert invoices[4].number not in first
    assert invoices[4].number in second and invoices[0].number in second
    assert invoices[5].number not in second
    assert "Page 2 sur 2" in second
    assert client.get(URL, {"page": "zzz"}).status_code == 200
    assert client.get(URL, {"page": "999"}).status_code == 200
