"""Devis on the portal: the list, one quote, its PDF, and the customer's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from creneau.core.models import Company, OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.portal.tests.pages_data import portal_access, sent_quote
from creneau.quotes.models import Quote
from creneau.quotes.selectors import quote_history

pytestmark = pytest.mark.django_db

OFFICE = "bureau@menage-exemple.fr"


@pytest.fixture
def office():
    company = Company.load()
    company.email = OFFICE
    company.save()
    return company


@pytest.fixture
def customer():
    return CustomerFactory(name="Marie Durand")


@pytest.fixture
def sites(customer):
    return [SiteFactory(customer=customer, name=name) for name in ("Maison", "Studio")]


@pytest.fixture
def quote(customer, sites, rep):
    rep.email = "commercial@menage-exemple.fr"
    rep.save()
    return sent_quote(customer, sites[0], by=rep)


def listed(response) -> set[int]:
    return {quote.pk for quote in response.context["page"].object_list}


def accept(client: Client, quote: Quote, name: str = "Marie Durand", agree: str = "on"):
    data = {"action": "accept", "name": name}
    if agree:
        data["agree"] = agree
    return client.post(reverse("portal:quote", args=[quote.pk]), data, REMOTE_ADDR="203.0.113.7")


def test_the_owner_sees_its_quotes_but_no_draft(customer, quote, portal_client_for):
    draft = Quote.objects.create(customer=customer)
    client = portal_client_for(portal_access(customer))
    response = client.get(reverse("portal:quotes"))
    assert response.status_code == 200
    assert listed(response) == {quote.pk}
    assert draft.pk not in listed(response)
    html = response.content.decode()
    assert quote.number in html and "72,00" in html
    detail = client.get(reverse("portal:quote", args=[quote.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    for text in ("Ménage hebdomadaire", "Aspiration et sols", "30,00", "60,00", "72,00"):
        assert text in html
    assert "J&#x27;accepte ce devis" in html or "J'accepte ce devis" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert client.get(reverse("portal:quote", args=[draft.pk])).status_code == 404


def test_the_quote_pdf_is_the_stored_one(customer, quote, portal_client_for):
    client = portal_client_for(portal_access(customer))
    response = client.get(reverse("portal:quote_pdf", args=[quote.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    with quote.pdf.open("rb") as stored:
        assert response.content == stored.read()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_accepting_records_the_name_address_time_history_and_tells_the_office(
    customer, quote, office, portal_client_for
):
    client = portal_client_for(portal_access(customer))
    response = accept(client, quote, name="  Marie   Durand ")
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    assert quote.answer_name == "Marie Durand"
    assert quote.answer_ip == "203.0.113.7"
    assert abs(quote.accepted_at - timezone.now()) < timedelta(minutes=5)
    messages = [event.message for event in quote_history(quote=quote)]
    assert "Accepté sur le portail par Marie Durand" in messages
    email = OutboxEmail.objects.get(subject__contains=quote.number)
    assert set(email.to) == {OFFICE, "commercial@menage-exemple.fr"}
    assert "accepté" in email.subject and "Marie Durand" in email.body
    page = client.get(response["Location"]).content.decode()
    assert "Accepté le" in page and 'name="action"' not in page


def test_refusing_records_the_reason_and_tells_the_office(
    customer, quote, office, portal_client_for
):
    client = portal_client_for(portal_access(customer, name="Marie D."))
    url = reverse("portal:quote", args=[quote.pk])
    response = client.post(
        url, {"action": "refuse", "reason": "Trop cher pour nous"}, REMOTE_ADDR="2001:db8::1"
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.REFUSED
    assert quote.refusal_reason == "Trop cher pour nous"
    assert quote.answer_ip == "2001:db8::1"
    assert quote.refused_at is not None
    assert any("Trop cher pour nous" in e.message for e in quote_history(quote=quote))
    email = OutboxEmail.objects.get(subject__contains=quote.number)
    assert OFFICE in email.to and "Trop cher pour nous" in email.body


def test_the_office_reads_the_portal_answer_on_the_quote_page(
    customer, quote, office, portal_client_for, client_for, direction
):
    client = portal_client_for(portal_access(customer))
    client.post(
        reverse("portal:quote", args=[quote.pk]),
        {"action": "refuse", "reason": "Nous déménageons"},
        REMOTE_ADDR="198.51.100.4",
    )
    page = client_for(direction).get(reverse("quotes:detail", args=[quote.pk]))
    answer = page.content.decode()
    assert 'id="quote-answer"' in answer
    assert "Refusé sur le portail par" in answer
    assert "Nous déménageons" in answer and "198.51.100.4" in answer


def test_a_refusal_without_reason_is_fine(customer, quote, office, portal_client_for):
    access = portal_access(customer)
    client = portal_client_for(access)
    response = client.post(reverse("portal:quote", args=[quote.pk]), {"action": "refuse"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.REFUSED and quote.refusal_reason == ""
    assert quote.answer_name == access.email  # an access without a name: who answered


@pytest.mark.parametrize(
    ("name", "agree"),
    [("", "on"), ("M", "on"), ("x" * 151, "on"), ("Marie Durand", ""), ("   ", "on")],
)
def test_an_acceptance_without_name_or_tick_is_refused(
    customer, quote, office, portal_client_for, name, agree
):
    client = portal_client_for(portal_access(customer))
    response = accept(client, quote, name=name, agree=agree)
    assert response.status_code == 400
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.answer_name == ""
    assert not OutboxEmail.objects.exists()


def test_a_reason_over_500_characters_is_refused(customer, quote, portal_client_for):
    client = portal_client_for(portal_access(customer))
    url = reverse("portal:quote", args=[quote.pk])
    response = client.post(url, {"action": "refuse", "reason": "x" * 501})
    assert response.status_code == 400
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_a_double_submit_gets_a_clear_message(customer, quote, office, portal_client_for):
    client = portal_client_for(portal_access(customer))
    assert accept(client, quote).status_code == 302
    again = accept(client, quote, name="Quelqu'un d'autre")
    assert again.status_code == 302
    page = client.get(again["Location"]).content.decode()
    assert "n&#x27;attend plus de réponse" in page or "n'attend plus de réponse" in page
    refuse = client.post(reverse("portal:quote", args=[quote.pk]), {"action": "refuse"})
    assert refuse.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.answer_name == "Marie Durand"
    assert OutboxEmail.objects.count() == 1


def test_an_expired_quote_shows_its_state_and_no_buttons(customer, quote, portal_client_for):
    Quote.objects.filter(pk=quote.pk).update(
        date=timezone.localdate() - timedelta(days=40),
        validity_date=timezone.localdate() - timedelta(days=1),
    )
    client = portal_client_for(portal_access(customer))
    html = client.get(reverse("portal:quote", args=[quote.pk])).content.decode()
    assert "a expiré" in html
    assert 'name="action"' not in html
    assert accept(client, quote).status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_an_unknown_action_is_no_error(customer, quote, portal_client_for):
    client = portal_client_for(portal_access(customer))
    url = reverse("portal:quote", args=[quote.pk])
    for data in ({}, {"action": "x" * 1000}, {"action": ["x", "y"]}):
        assert client.post(url, data).status_code < 500
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_the_forms_need_the_csrf_token(customer, quote, portal_client_for):
    client = portal_client_for(portal_access(customer))
    client.handler.enforce_csrf_checks = True
    response = accept(client, quote)
    assert response.status_code == 403
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_another_customers_quotes_answer_404(customer, quote, portal_client_for):
    other = CustomerFactory()
    client = portal_client_for(portal_access(other))
    assert listed(client.get(reverse("portal:quotes"))) == set()
    for name in ("portal:quote", "portal:quote_pdf"):
        assert client.get(reverse(name, args=[quote.pk])).status_code == 404
    assert accept(client, quote).status_code == 404
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    assert client.get(f"/portail/devis/{'9' * 25}/").status_code == 404


def test_a_site_level_access_sees_its_sites_quotes_only(customer, sites, quote, portal_client_for):
    studio_quote = sent_quote(customer, sites[1])
    client = portal_client_for(portal_access(customer, site=sites[1]))
    assert listed(client.get(reverse("portal:quotes"))) == {studio_quote.pk}
    assert client.get(reverse("portal:quote", args=[quote.pk])).status_code == 404
    assert client.get(reverse("portal:quote_pdf", args=[quote.pk])).status_code == 404
    assert accept(client, quote).status_code == 404
    assert client.get(reverse("portal:quote", args=[studio_quote.pk])).status_code == 200


def test_the_list_and_detail_read_a_bounded_number_of_queries(
    customer, sites, quote, portal_client_for, django_assert_max_num_queries
):
    for _ in range(22):
        Quote.objects.create(
            customer=customer, site=sites[1], status=Quote.Status.ACCEPTED,
            number=f"D-2026-{Quote.objects.count() + 100:05d}",
        )  # fmt: skip
    client = portal_client_for(portal_access(customer))
    for page in ("1", "2", "zzz"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse("portal:quotes"), {"page": page}).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("portal:quote", args=[quote.pk])).status_code == 200


def test_a_stranger_is_sent_to_the_portal_login(quote, client):
    for url in (
        reverse("portal:quotes"),
        reverse("portal:quote", args=[quote.pk]),
        reverse("portal:quote_pdf", args=[quote.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portail/?next=")
    response = Client().post(reverse("portal:quote", args=[quote.pk]), {"action": "accept"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
