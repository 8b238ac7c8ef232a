"""Quotes through their services: lines, amounts, numbering, freezing, sending."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from creneau.catalog.services import site_price_set, vat_rate_update
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import OutboxEmail
from creneau.core.selectors import emails_for
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.quotes.models import Quote, QuoteLine
from creneau.quotes.selectors import quote_history, quote_recipient_choices
from creneau.quotes.services import (
    quote_accept,
    quote_create,
    quote_delete,
    quote_duplicate,
    quote_finalize,
    quote_line_add,
    quote_line_delete,
    quote_line_move,
    quote_line_update,
    quote_refuse,
    quote_send,
    quote_update,
    quotes_expire,
)

pytestmark = pytest.mark.django_db

FREE = QuoteLine.LineType.FREE


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, email="client@example.fr")


@pytest.fixture
def quote(customer, rep):
    return quote_create(customer=customer, by=rep)


def add_free(quote, by, price="10", qty="1", rate="20", **fields):
    return quote_line_add(
        quote=quote,
        by=by,
        line_type=fields.pop("line_type", FREE),
        description=fields.pop("description", "Ligne libre"),
        quantity=Decimal(qty),
        unit_price=Decimal(price),
        vat_rate=vat_rate(rate),
        **fields,
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_new_quote_is_a_draft_without_number_valid_thirty_days(quote):
    assert quote.status == Quote.Status.DRAFT
    assert quote.number is None
    assert quote.validity_date == timezone.localdate() + timedelta(days=30)


def test_a_service_line_is_prefilled_from_the_catalogue(quote, rep):
    service = ServiceFactory(
        label="Nettoyage de bureaux",
        description="Aspiration, poussières, sanitaires.",
        unit="visit",
        unit_price=Decimal("48.5000"),
        vat_rate=vat_rate("10"),
    )
    line = quote_line_add(quote=quote, by=rep, line_type="service", service=service)
    assert line.description == "Nettoyage de bureaux\nAspiration, poussières, sanitaires."
    assert (line.unit, line.unit_price, line.vat_rate.rate) == ("visit", Decimal("48.5"), 10)
    assert line.net == Decimal("48.50")
    quote.refresh_from_db()
    assert (quote.total_net, quote.total_vat, quote.total_gross) == (
        Decimal("48.50"),
        Decimal("4.85"),
        Decimal("53.35"),
    )


def test_the_site_price_wins_over_the_catalogue(customer, rep):
    site = SiteFactory(customer=customer)
    service = ServiceFactory(unit_price=Decimal("30"))
    site_price_set(site=site, service=service, unit_price=Decimal("27.5"), by=rep)
    quote = quote_create(customer=customer, site=site, by=rep)
    line = quote_line_add(quote=quote, by=rep, line_type="service", service=service)
    assert line.unit_price == Decimal("27.5")
    other = quote_create(customer=customer, by=rep)
    assert quote_line_add(quote=other, by=rep, line_type="service", service=service).unit_price == (
        Decimal("30")
    )


def test_four_lines_of_thirteen_cents_give_vat_on_the_base(quote, rep):
    for _ in range(4):
        add_free(quote, rep, price="0.13")
    quote.refresh_from_db()
    assert (quote.total_net, quote.total_vat, quote.total_gross) == (
        Decimal("0.52"),
        Decimal("0.10"),
        Decimal("0.62"),
    )
    breakdown = quote.totals().breakdown
    assert [(row.rate, row.base, row.vat) for row in breakdown] == [
        (Decimal("20.00"), Decimal("0.52"), Decimal("0.10"))
    ]


def test_discount_percent_and_discount_line(quote, rep):
    add_free(quote, rep, price="100", qty="2", discount_percent=Decimal("15"))
    add_free(quote, rep, price="20", qty="-1", line_type="discount", description="Remise fidélité")
    quote.refresh_from_db()
    assert quote.total_net == Decimal("150.00")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"quantity": Decimal("-1")}, "quantity", "La quantité ne peut pas être négative"),
        ({"description": "  "}, "description", "Une ligne doit avoir un libellé."),
        ({"vat_rate": None}, "vat_rate", "Choisissez un taux de TVA."),
        ({"discount_percent": Decimal("120")}, "discount_percent", "entre 0 et 100"),
        ({"unit_price": Decimal("-3")}, "unit_price", "ne peut pas être négatif"),
    ],
)
def test_bad_lines_are_refused_with_a_message_at_the_field(quote, rep, fields, field, message):
    line = add_free(quote, rep)
    with pytest.raises(ValidationError) as excinfo:
        quote_line_update(line=line, by=rep, **fields)
    assert message in " ".join(errors_of(excinfo)[field])


def test_a_vat_rate_out_of_the_list_is_refused(quote, rep, direction):
    rate = vat_rate("2.1")
    vat_rate_update(vat_rate=rate, by=direction, is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        add_free(quote, rep, rate="2.1")
    assert errors_of(excinfo)["vat_rate"] == [
        "Ce taux de TVA n'est pas dans la liste des taux actifs."
    ]


def test_a_discount_line_needs_a_negative_quantity(quote, rep):
    with pytest.raises(ValidationError) as excinfo:
        add_free(quote, rep, qty="1", line_type="discount")
    assert "négative" in errors_of(excinfo)["quantity"][0]


def test_sections_and_comments_carry_no_amount(quote, rep):
    section = quote_line_add(quote=quote, by=rep, line_type="section", description="Bureaux")
    add_free(quote, rep, price="10")
    comment = quote_line_add(
        quote=quote, by=rep, line_type="comment", description="Hors produits", unit_price=5
    )
    assert (section.net, comment.net, comment.unit_price, comment.vat_rate) == (0, 0, 0, None)
    quote.refresh_from_db()
    assert quote.total_net == Decimal("10.00")


def test_lines_move_up_and_down(quote, rep):
    first, second, third = (add_free(quote, rep, description=name) for name in "ABC")
    quote_line_move(line=third, by=rep, up=True)
    assert [line.description for line in quote.lines.order_by("position")] == ["A", "C", "B"]
    quote_line_move(line=first, by=rep, up=False)
    assert [line.description for line in quote.lines.order_by("position")] == ["C", "A", "B"]
    quote_line_move(line=second, by=rep, up=False)  # already last: nothing moves
    assert [line.description for line in quote.lines.order_by("position")] == ["C", "A", "B"]


def test_numbers_are_given_on_finalise_only_and_are_gapless_per_year(customer, rep):
    drafts = [quote_create(customer=customer, by=rep) for _ in range(3)]
    for draft in drafts:
        add_free(draft, rep)
    assert all(draft.number is None for draft in drafts)
    quote_finalize(quote=drafts[2], by=rep)
    quote_finalize(quote=drafts[0], by=rep)
    year = timezone.localdate().year
    assert drafts[2].number == f"D-{year}-00001"
    assert drafts[0].number == f"D-{year}-00002"
    quote_delete(quote=drafts[1], by=rep)  # a draft goes without leaving a gap
    third = quote_create(customer=customer, by=rep)
    add_free(third, rep)
    assert quote_finalize(quote=third, by=rep).number == f"D-{year}-00003"


def test_a_failed_finalise_gives_no_number(quote, rep):
    with pytest.raises(ValidationError, match="au moins une ligne chiffrée"):
        quote_finalize(quote=quote, by=rep)
    quote.refresh_from_db()
    assert quote.number is None and quote.status == Quote.Status.DRAFT
    add_free(quote, rep)
    assert quote_finalize(quote=quote, by=rep).number.endswith("-00001")


def test_a_sent_quote_is_frozen_and_duplicated_into_a_new_draft(quote, rep):
    line = add_free(quote, rep, price="12")
    quote_finalize(quote=quote, by=rep)
    for attempt in (
        lambda: quote_line_update(line=line, by=rep, quantity=Decimal(2)),
        lambda: add_free(quote, rep),
        lambda: quote_line_delete(line=line, by=rep),
        lambda: quote_update(quote=quote, by=rep, notes="x"),
        lambda: quote_finalize(quote=quote, by=rep),
    ):
        with pytest.raises(ValidationError, match="ne peut plus être modifié"):
            attempt()
    copy = quote_duplicate(quote=quote, by=rep)
    assert copy.status == Quote.Status.DRAFT and copy.number is None
    assert copy.duplicated_from == quote
    assert [(line.description, line.net) for line in copy.lines.all()] == [
        ("Ligne libre", Decimal("12.00"))
    ]
    assert copy.total_gross == quote.total_gross


def test_accept_refuse_and_expire(customer, rep):
    quotes = []
    for _ in range(3):
        quote = quote_create(customer=customer, by=rep)
        add_free(quote, rep)
        quotes.append(quote_finalize(quote=quote, by=rep))
    assert quote_accept(quote=quotes[0], by=rep).status == Quote.Status.ACCEPTED
    assert quote_refuse(quote=quotes[1], by=rep).status == Quote.Status.REFUSED
    with pytest.raises(ValidationError, match="Seul un devis finalisé ou envoyé"):
        quote_accept(quote=quotes[1], by=rep)
    Quote.objects.filter(pk=quotes[2].pk).update(
        date=timezone.localdate() - timedelta(days=40),
        validity_date=timezone.localdate() - timedelta(days=1),
    )
    quotes[2].refresh_from_db()
    assert quotes[2].effective_status == Quote.Status.EXPIRED
    with pytest.raises(ValidationError, match="a expiré"):
        quote_accept(quote=quotes[2], by=rep)
    assert quotes_expire() == 1
    quotes[2].refresh_from_db()
    assert quotes[2].status == Quote.Status.EXPIRED
    assert quotes_expire() == 0


def test_send_finalises_and_queues_the_email_with_the_pdf(
    quote, rep, django_capture_on_commit_callbacks
):
    add_free(quote, rep, price="80")
    email = quote_send(quote=quote, by=rep, to=["client@example.fr", "autre@example.fr"])
    quote.refresh_from_db()
    # Numbered, and "finalised" until the mail server has accepted the e-mail.
    assert quote.number and quote.status == Quote.Status.FINALISED and quote.sent_at is None
    assert email.to == ["client@example.fr", "autre@example.fr"]
    assert quote.number in email.subject
    assert "96,00" in email.body  # 80 + 20 % VAT, in French
    attachment = email.attachments.get()
    assert attachment.mimetype == "application/pdf"
    assert attachment.filename.startswith(f"devis-{quote.number}")
    assert attachment.file.read().startswith(b"%PDF")
    assert list(emails_for(quote)) == [email]
    assert email.status == OutboxEmail.Status.PENDING
    messages = [event.message for event in quote_history(quote=quote)]
    assert "E-mail mis en file d'envoi pour client@example.fr, autre@example.fr" in messages


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ([], "Indiquez au moins un destinataire."),
        (["  "], "Indiquez au moins un destinataire."),
        (["pas-une-adresse"], "« pas-une-adresse » n'est pas une adresse e-mail valide."),
    ],
)
def test_send_refuses_no_recipient_or_a_bad_address_and_gives_no_number(quote, rep, to, message):
    add_free(quote, rep)
    with pytest.raises(ValidationError) as excinfo:
        quote_send(quote=quote, by=rep, to=to)
    assert errors_of(excinfo)["to"] == [message]
    quote.refresh_from_db()
    assert quote.number is None
    assert not OutboxEmail.objects.exists()


def test_recipients_offered_are_the_customer_and_its_contacts(quote, customer):
    ContactFactory(customer=customer, name="Zoé Compta", email="compta@example.fr")
    ContactFactory(customer=customer, name="Sans mail", email="")
    ContactFactory(customer=customer, name="Doublon", email="CLIENT@example.fr")
    emails = [email for email, _label in quote_recipient_choices(quote=quote)]
    assert emails == ["client@example.fr", "compta@example.fr"]


def test_expire_quotes_command(customer, rep):
    from io import StringIO

    from django.core.management import call_command

    quote = quote_create(customer=customer, by=rep)
    add_free(quote, rep)
    quote_finalize(quote=quote, by=rep)
    Quote.objects.filter(pk=quote.pk).update(
        date=timezone.localdate() - timedelta(days=31),
        validity_date=timezone.localdate() - timedelta(days=1),
    )
    out = StringIO()
    call_command("expire_quotes", stdout=out)
    assert out.getvalue().strip() == "1 devis expiré(s)."
    quote.refresh_from_db()
    assert quote.status == Quote.Status.EXPIRED
    assert "Expiré" in [event.message for event in quote_history(quote=quote)]
