"""Sending a quote by e-mail: not a mail relay (10 addresses, an hourly allowance per
user, counted in the outbox), "sent" only once the mail server has accepted the e-mail,
and subjects and texts written as typed, never HTML-escaped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.services import TooManyRequests, email_send
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.documents import quote_email_defaults
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_accept, quote_create, quote_line_add, quote_send

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HOSTILE_NAME = "O'Brien <test>"


@pytest.fixture
def company(db):
    company = Company.load()
    company.legal_name = "Clair & Net Services"
    company.email = "contact@clairnet.example.com"
    company.save()
    return company


def new_quote(rep, customer=None, site=None) -> Quote:
    customer = customer or CustomerFactory(sales_rep=rep, email="client@example.fr")
    quote = quote_create(customer=customer, by=rep, site=site)
    quote_line_add(quote=quote, by=rep, line_type="free", description="Vitres",
                   quantity=Decimal(2), unit_price=Decimal("40"),
                   vat_rate=vat_rate("20"))  # fmt: skip
    return quote


def addresses(count: int, domain: str = "example.fr") -> list[str]:
    return [f"contact{n}@{domain}" for n in range(count)]


# --- not a mail relay: 10 addresses --------------------------------------------------------


@pytest.mark.django_db
def test_ten_addresses_to_and_cc_together_are_the_most(rep, company):
    quote = new_quote(rep)
    # The same address in to and cc counts once.
    email = quote_send(quote=quote, by=rep, to=addresses(6), cc=addresses(4, "copie.fr")[:4])
    assert len(email.to) + len(email.cc) == 10
    other = new_quote(rep)
    with pytest.raises(ValidationError) as refused:
        quote_send(quote=other, by=rep, to=addresses(6), cc=addresses(5, "copie.fr"))
    [message] = refused.value.message_dict["to"]
    assert "10 adresses au plus" in message and "11" in message
    other.refresh_from_db()
    assert other.number is None and OutboxEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_copy_already_among_the_recipients_is_not_counted_twice(rep, company):
    email = quote_send(quote=new_quote(rep), by=rep, to=addresses(10), cc=addresses(3))
    assert len(email.to) == 10 and email.cc == []


@pytest.mark.django_db
def test_the_page_and_the_api_refuse_eleven_addresses(rep, company, client_for, api_for):
    quote = new_quote(rep)
    page = client_for(rep).post(
        reverse("quotes:send", args=[quote.pk]),
        {"other": ", ".join(addresses(11)), "subject": "Devis", "message": "Bonjour"},
    )
    assert page.status_code == 200
    assert "10 adresses au plus" in page.context["form"].errors["other"][0]
    response = api_for(rep).post(
        f"/api/v1/quotes/{quote.pk}/send", {"to": addresses(8), "cc": addresses(3, "copie.fr")}
    )
    assert response.status_code == 422
    assert "10 adresses au plus" in response.json()["detail"][0]["msg"]
    quote.refresh_from_db()
    assert quote.number is None and not OutboxEmail.objects.exists()


# --- not a mail relay: the hourly allowance ----------------------------------------------


@pytest.mark.django_db
def test_past_the_hourly_allowance_a_send_is_refused_and_changes_nothing(
    rep, other_rep, company, settings
):
    settings.QUOTE_SEND_RATE_PER_HOUR = 3
    for _ in range(2):
        quote_send(quote=new_quote(rep), by=rep, to=["client@example.fr"])
    # A send by another worker or machine is a row like any other: it counts.
    OutboxEmail.objects.create(to=["x@example.fr"], from_email="a@b.fr", subject="s", body="b",
                               created_by=rep, related_type="quote", related_id="0")  # fmt: skip
    draft = new_quote(rep)
    with pytest.raises(TooManyRequests) as refused:
        quote_send(quote=draft, by=rep, to=["client@example.fr"])
    assert "3 e-mails de devis par heure au plus" in refused.value.message
    assert 3500 < refused.value.retry_after <= 3601
    draft.refresh_from_db()
    assert draft.number is None and OutboxEmail.objects.count() == 3
    # Another user has an allowance of their own; an hour later, the old sends no longer count.
    quote_send(quote=new_quote(other_rep), by=other_rep, to=["client@example.fr"])
    OutboxEmail.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    quote_send(quote=draft, by=rep, to=["client@example.fr"])


@pytest.mark.django_db
def test_the_page_answers_429_in_french(rep, company, client_for, settings):
    settings.QUOTE_SEND_RATE_PER_HOUR = 1
    quote_send(quote=new_quote(rep), by=rep, to=["client@example.fr"])
    quote = new_quote(rep)
    response = client_for(rep).post(
        reverse("quotes:send", args=[quote.pk]),
        {"other": "client@example.fr", "subject": "Devis", "message": "Bonjour"},
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3500
    assert "Trop d&#x27;envois : 1 e-mails de devis par heure au plus" in response.content.decode()
    quote.refresh_from_db()
    assert quote.number is None and OutboxEmail.objects.count() == 1


@pytest.mark.django_db
def test_the_api_answers_429_in_json(rep, company, api_for, settings):
    settings.QUOTE_SEND_RATE_PER_HOUR = 1
    api = api_for(rep)
    first, second = new_quote(rep), new_quote(rep)
    assert api.post(f"/api/v1/quotes/{first.pk}/send", {"to": ["a@example.fr"]}).status_code == 200
    response = api.post(f"/api/v1/quotes/{second.pk}/send", {"to": ["a@example.fr"]})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "par heure au plus" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert Quote.objects.get(pk=second.pk).number is None


# --- "sent" when the e-mail has left -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_quote_is_sent_when_the_mail_server_accepted_its_email(
    rep, company, smtp_server, settings
):
    settings.TASKS = IMMEDIATE
    smtp_server.stop()
    quote = new_quote(rep)
    with transaction.atomic():
        quote_send(quote=quote, by=rep, to=["client@example.fr"])
    quote.refresh_from_db()
    email = OutboxEmail.objects.get()
    # Numbered and frozen, but the e-mail has not left: "finalisé", with the error shown.
    assert quote.number and quote.status == Quote.Status.FINALISED and quote.sent_at is None
    assert email.status == OutboxEmail.Status.RETRYING and email.last_error
    smtp_server.start()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    assert email_send(email_id=email.pk) == OutboxEmail.Status.SENT
    quote.refresh_from_db()
    email.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.sent_at == email.sent_at
    assert email.last_error == ""
    history = list(
        AuditEvent.objects.filter(object_type="quote", object_id=str(quote.pk))
        .order_by("id")
        .values_list("message", flat=True)
    )
    assert history[-2:] == [
        "E-mail mis en file d'envoi pour client@example.fr",
        "E-mail parti vers client@example.fr (accepté par le serveur d'envoi)",
    ]


@pytest.mark.django_db(transaction=True)
def test_an_accepted_quote_stays_accepted_when_its_email_leaves(rep, company, settings):
    quote = new_quote(rep)
    with transaction.atomic():
        quote_send(quote=quote, by=rep, to=["client@example.fr"])
    quote_accept(quote=Quote.objects.get(pk=quote.pk), by=rep)
    email = OutboxEmail.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_send(email_id=email.pk) == OutboxEmail.Status.SENT
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.sent_at is not None


# --- subjects and texts as typed ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_subject_and_text_hold_the_raw_characters(rep, company, smtp_server, settings):
    settings.TASKS = IMMEDIATE
    rep.first_name, rep.last_name = "Anne", HOSTILE_NAME
    rep.save()
    customer = CustomerFactory(sales_rep=rep, name=HOSTILE_NAME, email="client@example.fr")
    quote = new_quote(rep, customer, SiteFactory(customer=customer, name=HOSTILE_NAME))
    subject, body = quote_email_defaults(quote=quote, by=rep)
    assert subject == "Devis [n° du devis] \N{EN DASH} Clair & Net Services"
    assert f"pour le site «\xa0{HOSTILE_NAME}\xa0»" in body and f"Anne {HOSTILE_NAME}" in body
    assert "&amp;" not in body + subject and "&#x27;" not in body and "&lt;" not in body
    with transaction.atomic():
        quote_send(quote=quote, by=rep, to=["client@example.fr"])
    quote.refresh_from_db()
    [message] = smtp_server.messages
    assert message["Subject"] == f"Devis {quote.number} \N{EN DASH} Clair & Net Services"
    text = message.get_body(("plain",)).get_content()
    assert f"«\xa0{HOSTILE_NAME}\xa0»" in text and "Clair & Net Services" in text


@pytest.mark.django_db
def test_the_send_form_is_prefilled_escaped_once(rep, company, client_for):
    customer = CustomerFactory(sales_rep=rep, name=HOSTILE_NAME, email="client@example.fr")
    quote = new_quote(rep, customer, SiteFactory(customer=customer, name=HOSTILE_NAME))
    page = client_for(rep).get(reverse("quotes:send", args=[quote.pk])).content.decode()
    assert 'value="Devis [n° du devis] \N{EN DASH} Clair &amp; Net Services"' in page
    assert "«\xa0O&#x27;Brien &lt;test&gt;\xa0»" in page  # the message, in its textarea
    assert "&amp;amp;" not in page and "&amp;#x27;" not in page and "&amp;lt;" not in page


def test_every_plain_text_email_template_turns_autoescape_off():
    """Plain text is not HTML: "&" must reach the customer as "&", not "&amp;"."""
    templates = list(Path(__file__).resolve().parents[2].glob("*/templates/**/email/*.txt"))
    assert templates
    for template in templates:
        assert "{% autoescape off %}" in template.read_text(), template
