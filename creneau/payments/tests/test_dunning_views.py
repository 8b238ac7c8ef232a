"""Pages of the dunning run: the runs and a new one, the preview (queries bounded),
unticking through HTMX, sending once, the result and the letters; other roles refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.dunning import dunning_run_create
from creneau.payments.models import DunningRun, ReminderLevel
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import TODAY, business, days_ago, overdue

company = dunning_helpers.company
pytestmark = pytest.mark.django_db


def customers_due(count: int, days: int = 10) -> list:
    customers = []
    for number in range(count):
        customer = CustomerFactory(name=f"Client {number:02d}", email=f"c{number}@example.fr")
        overdue(customer, due=days_ago(days))
        overdue(customer, due=days_ago(days + 1))
        customers.append(customer)
    return customers


def test_the_menu_shows_relances_to_direction_and_accounting(
    client_for, direction, accountant, rep
):
    url = reverse("payments:dunning_list")
    for user, shown in ((direction, True), (accountant, True), (rep, False)):
        page = client_for(user).get(reverse("customers:list")).content.decode()
        assert (f'href="{url}"' in page) is shown


def test_other_roles_are_refused(client, client_for, company, direction, rep, planner):
    run = dunning_run_create(as_of=TODAY, by=direction)
    urls = [
        reverse("payments:dunning_list"),
        reverse("payments:dunning_run", args=[run.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
        assert client_for(rep).get(url).status_code == 403
        assert client_for(planner).get(url).status_code == 404
    assert client_for(rep).post(reverse("payments:dunning_send", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == "preview"


def test_a_new_run_defaults_to_today_and_makes_a_preview(client_for, company, direction):
    customers_due(2)
    client = client_for(direction)
    response = client.get(reverse("payments:dunning_list"))
    assert response.context["form"].initial["as_of"] == TODAY
    response = client.post(reverse("payments:dunning_list"), {"as_of": TODAY.isoformat()})
    run = DunningRun.objects.get()
    assert response["Location"] == reverse("payments:dunning_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2 relances cochées" in page
    assert "Client 00" in page and "Niveau 1 · Relance amiable" in page
    assert "c0@example.fr" in page
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Ce champ est obligatoire."),
        ("1999-12-31", "Date hors des limites"),
        ("demain", "date"),
    ],
)
def test_a_bad_date_is_said_at_the_field(client_for, company, direction, value, message):
    response = client_for(direction).post(reverse("payments:dunning_list"), {"as_of": value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["as_of"])
    assert not DunningRun.objects.exists()


def test_the_preview_reads_a_fixed_number_of_queries(client_for, company, direction):
    client = client_for(direction)
    customers_due(2)
    small = dunning_run_create(as_of=TODAY, by=direction)
    customers_due(12)
    large = dunning_run_create(as_of=TODAY, by=direction)
    counts = []
    for run in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("payments:dunning_run", args=[run.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_untick_then_send_then_the_result(client_for, company, direction):
    ReminderLevel.objects.filter(rank=1).update(channel="both")
    _kept, unticked = customers_due(2)
    overdue(CustomerFactory(name="Sans Adresse", email=""), due=days_ago(10))
    run = dunning_run_create(as_of=TODAY, by=direction)
    client = client_for(direction)
    reminder = run.reminders.get(customer=unticked)
    response = client.post(
        reverse("payments:dunning_reminder", args=[run.pk, reminder.pk]), {}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "dunning-reminder-excluded" in page
    assert 'id="dunning-totals" hx-swap-oob="true"' in page and "2 relances cochées" in page
    response = client.post(reverse("payments:dunning_send", args=[run.pk]))
    assert response["Location"] == reverse("payments:dunning_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="result-sent">2<' in page
    assert 'id="result-emails">1<' in page and 'id="result-letters">2<' in page
    assert OutboxEmail.objects.get().to == ["c0@example.fr"]
    letters = client.get(reverse("payments:dunning_letters", args=[run.pk]))
    assert letters["Content-Type"] == "application/pdf"
    assert (
        b"".join(letters.streaming_content if letters.streaming else [letters.content])[:4]
        == b"%PDF"
    )
    # A second send (another tab) is refused, and says so.
    response = client.post(reverse("payments:dunning_send", args=[run.pk]), follow=True)
    assert "déjà envoyée" in response.content.decode()
    assert OutboxEmail.objects.count() == 1


def test_the_result_says_why_an_invoice_was_dropped(client_for, company, direction):
    from creneau.payments.services import payment_create

    firm = business(name="Durand SARL", email="compta@durand.example.com")
    paid = overdue(firm, due=days_ago(12))
    overdue(firm, due=days_ago(10))
    run = dunning_run_create(as_of=TODAY, by=direction)
    payment_create(customer=firm, by=None, amount=paid.total_gross, method="transfer")
    client = client_for(direction)
    client.post(reverse("payments:dunning_send", args=[run.pk]))
    page = client.get(reverse("payments:dunning_run", args=[run.pk])).content.decode()
    assert "Factures retirées à l'envoi" in page
    assert paid.number in page and "Réglée ou annulée depuis l&#x27;aperçu" in page


def test_a_letter_is_shown_from_the_preview(client_for, company, direction):
    overdue(CustomerFactory(email=""), due=days_ago(10))
    run = dunning_run_create(as_of=TODAY, by=direction)
    reminder = run.reminders.get()
    response = client_for(direction).get(
        reverse("payments:dunning_reminder_letter", args=[run.pk, reminder.pk])
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
