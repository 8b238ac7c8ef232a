"""Holds on the dunning (suspendre / reprendre les relances) and the reminders sent: the
services and selectors, the invoice page's "Relances" card, the customer record's tab, the
page of a reminder, who may do what, and the query counts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.core.models import AuditEvent
from creneau.core.services import email_queue
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.holds import (
    HoldConflict,
    hold_create,
    hold_in_force,
    hold_release,
    hold_release_in_force,
    holds_in_force,
    invoice_on_hold,
    invoices_not_on_hold,
)
from creneau.payments.models import DunningHold
from creneau.payments.tests.dunning_data import sent_reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Syndic Horizon", sales_rep=rep, email="syndic@example.fr")


@pytest.fixture
def invoice(customer):
    return issued_invoice(customer=customer)


def htmx(target: str = "invoice-dunning") -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def today():
    return timezone.localdate()


# Services and selectors ----------------------------------------------------------------


def test_hold_an_invoice_then_release_it(invoice, accountant):
    hold = hold_create(by=accountant, invoice=invoice, reason="  Litige sur\nla prestation ")
    assert (hold.reason, hold.until, hold.created_by) == (
        "Litige sur la prestation",
        None,
        accountant,
    )
    assert invoice_on_hold(invoice) == hold
    assert list(invoices_not_on_hold(Invoice.objects.all())) == []
    released = hold_release(hold=hold, by=accountant)
    assert released.released_at is not None and released.released_by == accountant
    assert invoice_on_hold(invoice) is None
    assert list(invoices_not_on_hold(Invoice.objects.all())) == [invoice]
    messages = list(
        AuditEvent.objects.filter(object_type="dunninghold")
        .order_by("id")
        .values_list("message", "customer_id")
    )
    assert messages == [
        ("Relances suspendues : Litige sur la prestation", invoice.customer_id),
        ("Relances reprises (suspension : Litige sur la prestation)", invoice.customer_id),
    ]


def test_a_customer_hold_covers_all_its_invoices(customer, invoice, direction):
    other = issued_invoice(customer=CustomerFactory())
    hold = hold_create(
        by=direction, customer=customer, reason="Échéancier", until=today() + timedelta(days=30)
    )
    assert invoice_on_hold(invoice) == hold
    assert invoice_on_hold(other) is None
    assert list(invoices_not_on_hold(Invoice.objects.all())) == [other]
    # Its last day counts; the day after, it is over.
    assert invoice_on_hold(invoice, as_of=today() + timedelta(days=30)) == hold
    assert invoice_on_hold(invoice, as_of=today() + timedelta(days=31)) is None
    later = today() + timedelta(days=31)
    assert set(invoices_not_on_hold(Invoice.objects.all(), later)) == {invoice, other}


def test_the_invoices_own_hold_comes_first(customer, invoice, direction):
    own = hold_create(by=direction, invoice=invoice, reason="Litige")
    hold_create(by=direction, customer=customer, reason="Échéancier")
    assert invoice_on_hold(invoice) == own


@pytest.mark.parametrize(
    ("reason", "until", "field", "message"),
    [
        ("", None, "reason", "Indiquez le motif de la suspension."),
        ("   \n ", None, "reason", "Indiquez le motif de la suspension."),
        ("x" * 256, None, "reason", "Le motif tient en 255 caractères au plus."),
        ("Litige", -1, "until", "La date de fin ne peut pas être déjà passée."),
    ],
)
def test_a_hold_is_refused_in_french(invoice, direction, reason, until, field, message):
    until = today() + timedelta(days=until) if until is not None else None
    with pytest.raises(ValidationError) as error:
        hold_create(by=direction, invoice=invoice, reason=reason, until=until)
    assert error.value.message_dict[field] == [message]
    assert not DunningHold.objects.exists()


def test_a_hold_until_today_is_accepted(invoice, direction):
    assert hold_create(by=direction, invoice=invoice, reason="Litige", until=today()).until


def test_drafts_and_credit_notes_are_not_held(customer, direction):
    with pytest.raises(ValidationError) as error:
        hold_create(by=direction, invoice=draft_invoice(customer=customer), reason="Litige")
    assert error.value.messages == ["Seules les relances d'une facture émise se suspendent."]


def test_one_hold_in_force_per_target_with_a_clear_message(customer, invoice, direction):
    hold_create(by=direction, invoice=invoice, reason="Litige")
    with pytest.raises(HoldConflict) as error:
        hold_create(by=direction, invoice=invoice, reason="Encore")
    assert error.value.messages == [
        "Les relances de cette facture sont déjà suspendues (motif : Litige)."
    ]
    hold_create(by=direction, customer=customer, reason="Échéancier")
    with pytest.raises(HoldConflict) as error:
        hold_create(by=direction, customer=customer, reason="Encore")
    assert "Les relances de ce client sont déjà suspendues" in error.value.messages[0]
    assert DunningHold.objects.count() == 2


def test_a_hold_past_its_end_date_makes_room_for_a_new_one(invoice, direction):
    old = hold_create(by=direction, invoice=invoice, reason="Litige", until=today())
    DunningHold.objects.filter(pk=old.pk).update(until=today() - timedelta(days=1))
    assert hold_in_force(invoice=invoice) is None
    new = hold_create(by=direction, invoice=invoice, reason="Nouveau litige")
    old.refresh_from_db()
    assert old.released_at is not None and old.released_by is None
    assert hold_in_force(invoice=invoice) == new


def test_release_twice_or_without_a_hold(invoice, direction):
    hold = hold_create(by=direction, invoice=invoice, reason="Litige")
    hold_release(hold=hold, by=direction)
    with pytest.raises(HoldConflict) as error:
        hold_release(hold=hold, by=direction)
    assert error.value.messages == ["Cette suspension est déjà levée."]
    with pytest.raises(HoldConflict) as error:
        hold_release_in_force(by=direction, invoice=invoice)
    assert error.value.messages == ["Les relances de cette facture ne sont pas suspendues."]


def test_holds_in_force_leave_out_released_and_ended_ones(customer, invoice, direction):
    released = hold_create(by=direction, invoice=invoice, reason="A")
    hold_release(hold=released, by=direction)
    ended = hold_create(by=direction, customer=customer, reason="B", until=today())
    assert list(holds_in_force()) == [ended]
    assert list(holds_in_force(today() + timedelta(days=1))) == []


# The invoice page ----------------------------------------------------------------------


def test_the_invoice_page_loads_the_dunning_card(invoice, direction, client_for):
    html = client_for(direction).get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'hx-get="/payments/invoice/{invoice.pk}/dunning/"' in html
    assert 'id="invoice-dunning-badge"' in html
    # Not on a draft or a credit note.
    draft = draft_invoice(customer=invoice.customer)
    html = client_for(direction).get(f"/invoices/{draft.pk}/").content.decode()
    assert f"/payments/invoice/{draft.pk}/dunning/" not in html


def test_the_card_loading_leaves_the_page_flash_alone(invoice, accountant, client_for):
    """The card loads after the page: it must not swap the page's messages (the flash
    "Facture émise" it opened with); its writes do bring their own."""
    client = client_for(accountant)
    card = client.get(f"/payments/invoice/{invoice.pk}/dunning/", headers=htmx())
    assert 'id="messages"' not in card.content.decode()
    held = client.post(
        f"/payments/invoice/{invoice.pk}/hold/", {"reason": "Litige"}, headers=htmx()
    )
    assert 'id="messages" hx-swap-oob="true"' in held.content.decode()


def test_the_card_without_hold_nor_reminder(invoice, accountant, client_for):
    response = client_for(accountant).get(
        f"/payments/invoice/{invoice.pk}/dunning/", headers=htmx()
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Suspendre les relances" in html and "Aucune relance envoyée pour cette facture." in html
    assert "Relances suspendues" not in html


def test_hold_and_release_from_the_card(invoice, accountant, client_for):
    client = client_for(accountant)
    until = today() + timedelta(days=20)
    response = client.post(
        f"/payments/invoice/{invoice.pk}/hold/",
        {"reason": "Litige sur le passage du 3", "until": until.isoformat()},
        headers=htmx(),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Les relances de cette facture sont suspendues" in html
    assert "Litige sur le passage du 3" in html and until.strftime("%d/%m/%Y") in html
    assert 'id="invoice-dunning-badge" hx-swap-oob="true"><span' in html
    assert "Relances de cette facture suspendues." in html  # the flash, out of band
    assert hold_in_force(invoice=invoice).created_by == accountant
    response = client.post(f"/payments/invoice/{invoice.pk}/release/", headers=htmx())
    html = response.content.decode()
    assert "Relances de cette facture reprises." in html
    assert 'id="invoice-dunning-badge" hx-swap-oob="true"></span>' in html
    assert "1 suspension passée" in html
    assert hold_in_force(invoice=invoice) is None


def test_a_refused_hold_shows_its_error_in_the_open_form(invoice, accountant, client_for):
    client = client_for(accountant)
    yesterday = (today() - timedelta(days=1)).isoformat()
    response = client.post(
        f"/payments/invoice/{invoice.pk}/hold/", {"reason": "", "until": yesterday}, headers=htmx()
    )
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps it
    assert "Indiquez le motif de la suspension." in html
    assert 'class="collapse show" id="invoice-hold-form"' in html
    response = client.post(
        f"/payments/invoice/{invoice.pk}/hold/",
        {"reason": "Litige", "until": yesterday},
        headers=htmx(),
    )
    assert "La date de fin ne peut pas être déjà passée." in response.content.decode()
    assert not DunningHold.objects.exists()


def test_without_htmx_the_forms_go_back_to_the_invoice(invoice, accountant, client_for):
    client = client_for(accountant)
    response = client.post(f"/payments/invoice/{invoice.pk}/hold/", {"reason": "Litige"})
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    response = client.post(
        f"/payments/invoice/{invoice.pk}/hold/", {"reason": "Encore"}, follow=True
    )
    assert "déjà suspendues (motif : Litige)" in response.content.decode()
    response = client.post(f"/payments/invoice/{invoice.pk}/release/")
    assert response.status_code == 302
    assert hold_in_force(invoice=invoice) is None


def test_the_card_shows_the_customers_hold(customer, invoice, direction, client_for):
    hold_create(by=direction, customer=customer, reason="Échéancier accordé")
    html = (
        client_for(direction)
        .get(f"/payments/invoice/{invoice.pk}/dunning/", headers=htmx())
        .content.decode()
    )
    assert "Les relances de ce client sont suspendues, pour toutes ses factures" in html
    assert "Échéancier accordé" in html and "Relances suspendues" in html
    assert f"/customers/{customer.pk}/?tab=invoices" in html
    assert "Reprendre les relances" not in html  # from the customer's record only


def test_the_card_lists_the_reminders_sent(customer, invoice, direction, client_for):
    other = issued_invoice(customer=customer)
    first = sent_reminder(customer, [invoice, other], rank=1, days_ago=20)
    second = sent_reminder(
        customer,
        [invoice],
        rank=2,
        days_ago=5,
        fee="10.00",
        indemnity="40.00",
        recipients=["compta@horizon.fr", "syndic@example.fr"],
    )
    sent_reminder(customer, [other], rank=3)  # another invoice's
    html = (
        client_for(direction)
        .get(f"/payments/invoice/{invoice.pk}/dunning/", headers=htmx())
        .content.decode()
    )
    assert html.index(f"/payments/reminders/{second.pk}/") < html.index(
        f"/payments/reminders/{first.pk}/"
    )
    assert "1. Relance amiable" in html and "2. Seconde relance" in html
    assert "3. Mise en demeure" not in html
    assert "compta@horizon.fr, syndic@example.fr" in html
    assert "50,00\u00a0€" in html  # fee + indemnity
    assert "Texte envoyé" in html and "Niveau 2 pour Syndic Horizon." in html


def test_the_card_query_count_is_flat(customer, invoice, direction, client_for):
    client = client_for(direction)
    url = f"/payments/invoice/{invoice.pk}/dunning/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url, headers=htmx()).status_code == 200
        return len(context)

    sent_reminder(customer, [invoice], rank=1)
    few = queries()
    for rank in (2, 3):
        sent_reminder(customer, [invoice, issued_invoice(customer=customer)], rank=rank)
    for _ in range(3):
        hold_release(hold=hold_create(by=direction, invoice=invoice, reason="x"), by=direction)
    assert queries() == few


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_who_may_not_hold(role, request, invoice, client_for):
    client = client_for(request.getfixturevalue(role))
    expected = 403 if role == "rep" else 404  # the rep reads its customer's invoice
    assert (
        client.post(f"/payments/invoice/{invoice.pk}/hold/", {"reason": "x"}).status_code
        == expected
    )
    assert client.post(f"/payments/invoice/{invoice.pk}/release/").status_code == expected
    customer = invoice.customer.pk
    assert (
        client.post(f"/payments/customer/{customer}/hold/", {"reason": "x"}).status_code == expected
    )
    assert not DunningHold.objects.exists()


def test_a_rep_reads_the_card_without_the_buttons(invoice, rep, direction, client_for):
    hold_create(by=direction, invoice=invoice, reason="Litige")
    response = client_for(rep).get(f"/payments/invoice/{invoice.pk}/dunning/", headers=htmx())
    html = response.content.decode()
    assert response.status_code == 200 and "Litige" in html
    assert "Reprendre les relances" not in html and "invoice-hold-open" not in html


def test_another_reps_invoice_answers_404(invoice, other_rep, client_for):
    client = client_for(other_rep)
    assert client.get(f"/payments/invoice/{invoice.pk}/dunning/").status_code == 404


# The customer record -------------------------------------------------------------------


def test_the_tab_holds_and_resumes_the_customer(customer, invoice, accountant, client_for):
    client = client_for(accountant)
    tab = f"/payments/customer/{customer.pk}/"
    html = client.get(tab, headers=htmx("tab-pane")).content.decode()
    assert "Suspendre les relances" in html and "Aucune relance envoyée à ce client." in html
    response = client.post(
        f"/payments/customer/{customer.pk}/hold/",
        {"reason": "Échéancier sur 3 mois"},
        headers=htmx("tab-pane"),
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="payments-tab"' in html
    assert 'id="customer-hold-badge"' in html and "Échéancier sur 3 mois" in html
    assert "Relances de ce client suspendues." in html
    response = client.post(f"/payments/customer/{customer.pk}/release/", headers=htmx("tab-pane"))
    html = response.content.decode()
    assert 'id="customer-hold-badge"' not in html and "Relances de ce client reprises." in html
    assert hold_in_force(customer=customer) is None
    # Without htmx: back to the record's tab.
    response = client.post(f"/payments/customer/{customer.pk}/hold/", {"reason": "Litige"})
    assert response["Location"] == f"/customers/{customer.pk}/?tab=invoices"


def test_the_tab_shows_a_refused_hold_in_the_open_form(customer, accountant, client_for):
    response = client_for(accountant).post(
        f"/payments/customer/{customer.pk}/hold/", {"reason": ""}, headers=htmx("tab-pane")
    )
    html = response.content.decode()
    assert "Indiquez le motif de la suspension." in html
    assert 'class="collapse show" id="customer-hold-form"' in html


def test_the_tab_lists_the_invoices_on_hold_and_the_reminders(
    customer, invoice, direction, client_for
):
    hold_create(by=direction, invoice=invoice, reason="Litige")
    reminder = sent_reminder(customer, [invoice], rank=1, recipients=["a@horizon.fr"])
    html = (
        client_for(direction)
        .get(f"/payments/customer/{customer.pk}/", headers=htmx("tab-pane"))
        .content.decode()
    )
    assert 'id="customer-held-invoices"' in html and invoice.number in html
    assert f"/payments/reminders/{reminder.pk}/" in html and "a@horizon.fr" in html


def test_the_tab_query_count_is_flat_in_the_reminders(customer, direction, client_for):
    client = client_for(direction)
    url = f"/payments/customer/{customer.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url, headers=htmx("tab-pane")).status_code == 200
        return len(context)

    invoices = [issued_invoice(customer=customer) for _ in range(3)]
    sent_reminder(customer, invoices[:1], rank=1)
    hold_create(by=direction, invoice=invoices[0], reason="Litige")
    few = queries()
    for index in range(12):  # more than a page of them, two invoices each
        pair = [issued_invoice(customer=customer) for _ in range(2)]
        sent_reminder(customer, pair, rank=1 + index % 3, days_ago=index + 1)
    hold_create(by=direction, invoice=invoices[1], reason="Litige 2")
    hold_release(hold=hold_create(by=direction, customer=customer, reason="x"), by=direction)
    assert queries() == few


def test_the_reminders_are_paginated(customer, invoice, direction, client_for):
    reminders = [
        sent_reminder(customer, [issued_invoice(customer=customer)], days_ago=day)
        for day in range(12)
    ]
    client = client_for(direction)
    html = client.get(
        f"/payments/customer/{customer.pk}/", headers=htmx("tab-pane")
    ).content.decode()
    assert f"/payments/reminders/{reminders[0].pk}/" in html
    assert f"/payments/reminders/{reminders[11].pk}/" not in html
    html = client.get(
        f"/payments/customer/{customer.pk}/?reminders_page=2", headers=htmx("tab-pane")
    ).content.decode()
    assert f"/payments/reminders/{reminders[11].pk}/" in html


# The page of a reminder ----------------------------------------------------------------


def test_the_page_of_a_reminder(customer, invoice, direction, client_for):
    email = email_queue(to=["syndic@example.fr"], subject="Relance", body="Bonjour")
    reminder = sent_reminder(customer, [invoice], rank=3, email=email, indemnity="40.00")
    response = client_for(direction).get(f"/payments/reminders/{reminder.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Relance de niveau 3 : Mise en demeure" in html
    assert reminder.subject in html and "Niveau 3 pour Syndic Horizon." in html
    assert invoice.number in html and "40,00\u00a0€" in html
    assert f'href="/settings/emails/{email.pk}/"' in html


def test_a_rep_reads_its_reminder_without_the_outbox(customer, invoice, rep, other_rep, client_for):
    email = email_queue(to=["syndic@example.fr"], subject="Relance", body="Bonjour")
    reminder = sent_reminder(customer, [invoice], email=email)
    html = client_for(rep).get(f"/payments/reminders/{reminder.pk}/").content.decode()
    assert reminder.subject in html and "/settings/emails/" not in html
    assert client_for(other_rep).get(f"/payments/reminders/{reminder.pk}/").status_code == 404


def test_a_reminder_not_sent_has_no_page(customer, invoice, direction, client_for):
    reminder = sent_reminder(customer, [invoice])
    reminder.status = reminder.Status.PROPOSED
    reminder.save()
    assert client_for(direction).get(f"/payments/reminders/{reminder.pk}/").status_code == 404
    assert client_for(direction).get("/payments/reminders/999999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_holds_at_once_make_one_and_a_clear_refusal():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    customer = CustomerFactory()
    invoice = issued_invoice(customer=customer)
    barrier, refused, unexpected = threading.Barrier(4), [], []

    def hold(target: dict):
        try:
            barrier.wait()
            hold_create(by=None, reason="Litige", **target)
        except HoldConflict as error:
            refused.append(error)
        except Exception as error:  # an IntegrityError would land here
            unexpected.append(error)
        finally:
            connections.close_all()

    targets = [{"invoice": invoice}] * 2 + [{"customer": customer}] * 2
    threads = [threading.Thread(target=hold, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert sorted(str(error.messages[0])[:40] for error in refused) == [
        "Les relances de ce client sont déjà susp",
        "Les relances de cette facture sont déjà ",
    ]
    assert DunningHold.objects.count() == 2
