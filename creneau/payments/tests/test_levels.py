"""Paramètres > Relances: the dunning levels' rules (services), their screens (French errors
at the field, the placeholders and the preview), and who may use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from creneau.billing.tests.factories import issued_invoice
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.dunning_text import PLACEHOLDERS
from creneau.payments.levels import (
    reminder_level_create,
    reminder_level_delete,
    reminder_level_preview,
    reminder_level_set_active,
    reminder_level_update,
    reminder_sample_values,
)
from creneau.payments.models import ReminderLevel
from creneau.payments.tests.dunning_data import sent_reminder

pytestmark = pytest.mark.django_db


def level(rank: int) -> ReminderLevel:
    return ReminderLevel.objects.get(rank=rank)


def fields(**overrides) -> dict:
    data = {
        "rank": 4,
        "name": "Dernier avis",
        "days_after_due": 60,
        "channel": "letter",
        "subject": "Dernier avis : {factures}",
        "body": "Bonjour {client},\nreste dû : {montant_du}.",
        "fee": Decimal("15.00"),
        "add_recovery_indemnity": True,
        "add_late_interest": False,
        "active": True,
    }
    return {**data, **overrides}


def form_data(**overrides) -> dict:
    data = {key: value for key, value in fields().items() if value is not False}
    data["fee"] = "15,00"
    data = {**data, **overrides}
    return {key: value for key, value in data.items() if value is not None}


def messages_of(error: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return error.value.message_dict


# Services ------------------------------------------------------------------------------


def test_the_three_default_levels(db):
    levels = list(ReminderLevel.objects.values_list("rank", "days_after_due", "channel"))
    assert levels == [(1, 7, "email"), (2, 21, "email"), (3, 45, "both")]
    assert level(3).add_recovery_indemnity and not level(1).add_recovery_indemnity


def test_every_default_text_puts_the_invoice_lines_on_their_own_lines(db):
    # {factures_detail} is one line an invoice: after "de " the first line ran on.
    for body in ReminderLevel.objects.values_list("body", flat=True):
        assert ":\n{factures_detail}\n" in body


def test_create_a_level_with_an_audit_row(direction):
    created = reminder_level_create(by=direction, **fields())
    assert (created.rank, created.fee, created.channel) == (4, Decimal("15.00"), "letter")
    event = AuditEvent.objects.get(object_type="reminderlevel", object_id=str(created.pk))
    assert event.action == AuditEvent.Action.CREATE and event.actor == direction
    assert event.changes["days_after_due"] == 60


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rank": 0}, "rank", "Un niveau va de 1 à 9."),
        ({"rank": 10}, "rank", "Un niveau va de 1 à 9."),
        ({"rank": 2, "days_after_due": 30}, "rank", "Le niveau 2 existe déjà."),
        ({"days_after_due": 0}, "days_after_due", "De 1 à 3\u00a0650 jours après l'échéance."),
        ({"days_after_due": 4000}, "days_after_due", "De 1 à 3\u00a0650 jours"),
        ({"name": "   "}, "name", "Indiquez le nom du niveau."),
        ({"channel": "fax"}, "channel", "Mode d'envoi inconnu."),
        ({"subject": ""}, "subject", "Indiquez l'objet de la relance."),
        ({"subject": "Relance {facture}"}, "subject", "Champ inconnu : {facture}."),
        ({"body": "Cher {client.__class__}"}, "body", "Champ inconnu : {client.__class__}."),
        ({"fee": Decimal("-1")}, "fee", "Les frais vont de 0 à 10\u202f000,00\u00a0€"),
        ({"fee": Decimal("10000.01")}, "fee", "au centime près"),
        ({"fee": Decimal("1.005")}, "fee", "au centime près"),
        ({"fee": Decimal("NaN")}, "fee", "au centime près"),
    ],
)
def test_a_level_is_refused_in_french_at_its_field(direction, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        reminder_level_create(by=direction, **fields(**overrides))
    assert message in " ".join(messages_of(error)[field])
    assert ReminderLevel.objects.count() == 3


def test_an_unknown_placeholder_lists_the_known_ones(direction):
    with pytest.raises(ValidationError) as error:
        reminder_level_create(by=direction, **fields(body="{client} doit {montant}"))
    message = messages_of(error)["body"][0]
    assert message.startswith("Champ inconnu : {montant}. Champs possibles : {client},")
    assert "{montant_du}" in message


def test_days_grow_strictly_with_the_rank_among_active_levels(direction):
    # Level 4 must leave after level 3 (45 days).
    with pytest.raises(ValidationError) as error:
        reminder_level_create(by=direction, **fields(days_after_due=45))
    assert messages_of(error)["days_after_due"] == [
        "Le niveau 3 (« Mise en demeure ») part à 45 jours après l'échéance : un niveau plus "
        "haut part plus tard (plus de 45 jours)."
    ]
    # Level 2 must leave before level 3 and after level 1.
    with pytest.raises(ValidationError) as error:
        reminder_level_update(level=level(2), by=direction, days_after_due=50)
    assert "un niveau plus bas part plus tôt (moins de 45 jours)" in str(error.value)
    with pytest.raises(ValidationError):
        reminder_level_update(level=level(2), by=direction, days_after_due=7)
    assert level(2).days_after_due == 21
    # An inactive level does not count, and is not checked while inactive.
    reminder_level_set_active(level=level(3), by=direction, active=False)
    reminder_level_update(level=level(2), by=direction, days_after_due=50)
    assert level(2).days_after_due == 50
    # Reactivating level 3 (45 days, below level 2's 50 now) is refused.
    with pytest.raises(ValidationError) as error:
        reminder_level_set_active(level=level(3), by=direction, active=True)
    assert "Le niveau 2 (« Seconde relance ») part à 50 jours" in str(error.value)
    assert not level(3).active


def test_update_records_what_changed(direction):
    reminder_level_update(level=level(1), by=direction, fee=Decimal("5"), name="Rappel")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).get()
    assert event.changes == {"name": ["Relance amiable", "Rappel"], "fee": ["0.00", "5.00"]}


def test_a_used_level_keeps_its_rank_and_is_never_deleted(direction):
    customer = CustomerFactory()
    sent_reminder(customer, [issued_invoice(customer=customer)], rank=1)
    with pytest.raises(ValidationError) as error:
        reminder_level_update(level=level(1), by=direction, rank=5)
    assert "son numéro ne change plus" in messages_of(error)["rank"][0]
    with pytest.raises(ValidationError) as error:
        reminder_level_delete(level=level(1), by=direction)
    assert error.value.messages == ["Ce niveau a déjà servi à des relances : désactivez-le plutôt."]
    # Its other fields change, and it can be deactivated.
    reminder_level_update(level=level(1), by=direction, subject="Rappel {factures}")
    reminder_level_set_active(level=level(1), by=direction, active=False)
    assert not level(1).active


def test_a_level_used_by_an_invoice_inside_a_higher_reminder_is_used(direction):
    """A level-2 reminder may chase an invoice at level 1: level 1 is then in use."""
    customer = CustomerFactory()
    reminder = sent_reminder(customer, [issued_invoice(customer=customer)], rank=2)
    reminder.items.update(level_rank=1)
    with pytest.raises(ValidationError) as error:
        reminder_level_update(level=level(1), by=direction, rank=5)
    assert "son numéro ne change plus" in messages_of(error)["rank"][0]
    with pytest.raises(ValidationError):
        reminder_level_delete(level=level(1), by=direction)


def test_an_unused_level_is_deleted_with_an_audit_row(direction):
    reminder_level_delete(level=level(2), by=direction)
    assert list(ReminderLevel.objects.values_list("rank", flat=True)) == [1, 3]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, object_type="reminderlevel"
    ).exists()


def test_the_preview_fills_every_placeholder(direction):
    assert set(reminder_sample_values()) == set(PLACEHOLDERS)
    body = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    preview = reminder_level_preview(subject="Relance {factures}", body=body)
    year = timezone.localdate().year
    assert preview["subject"] == f"Relance F-{year}-00012, F-{year}-00031"
    assert "{" not in preview["body"]
    assert "576,00\u00a0€" in preview["body"]
    assert reminder_level_preview(subject="{x}", body="")["error"].startswith("Champ inconnu : {x}")


# Screens -------------------------------------------------------------------------------


def test_the_menu_shows_relances_to_direction_only(direction, accountant, client_for):
    html = client_for(direction).get("/payments/levels/").content.decode()
    assert 'href="/payments/levels/"' in html and "Relances" in html
    other = client_for(accountant).get("/customers/").content.decode()
    assert 'href="/payments/levels/"' not in other


def test_the_list_shows_every_level(direction, client_for):
    customer = CustomerFactory()
    sent_reminder(customer, [issued_invoice(customer=customer)], rank=1)
    response = client_for(direction).get("/payments/levels/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1. Relance amiable" in html and "3. Mise en demeure" in html
    assert "45 jours" in html and "E-mail et courrier" in html
    assert "Indemnité de 40 € (professionnels)" in html
    # Level 1 was used: no delete button; the others have one.
    assert 'id="level-delete-1"' not in html and 'id="level-delete-2"' in html


@pytest.mark.parametrize("role", ["accountant", "rep", "planner", "field_worker"])
def test_only_direction_sets_the_levels(role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    pk = level(1).pk
    assert client.get("/payments/levels/").status_code == 403
    assert client.get("/payments/levels/new/").status_code == 403
    assert client.post(f"/payments/levels/{pk}/", form_data(rank=1)).status_code == 403
    assert client.post(f"/payments/levels/{pk}/active/").status_code == 403
    assert client.post(f"/payments/levels/{pk}/delete/").status_code == 403
    assert client.post("/payments/levels/preview/", {"body": "x"}).status_code == 403
    assert level(1).active and ReminderLevel.objects.count() == 3


def test_anonymous_goes_to_login(client):
    response = client.get("/payments/levels/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_add_a_level_from_the_form(direction, client_for):
    client = client_for(direction)
    page = client.get("/payments/levels/new/").content.decode()
    assert 'name="rank"' in page and 'value="4"' in page  # the first free rank
    assert "<code>{montant_du}</code>" in page and "le total restant dû" in page
    assert "une seule fois par facture" in page and "particulier" in page
    response = client.post("/payments/levels/new/", form_data())
    assert response.status_code == 302 and response["Location"] == "/payments/levels/"
    created = level(4)
    assert (created.fee, created.add_recovery_indemnity, created.active) == (
        Decimal("15.00"),
        True,
        True,
    )


def test_the_form_shows_the_services_errors_at_their_fields(direction, client_for):
    client = client_for(direction)
    response = client.post(
        "/payments/levels/new/",
        form_data(days_after_due="30", subject="Relance {numero}", fee="12,345"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Champ inconnu : {numero}." in html
    assert "au centime près" in html
    assert ReminderLevel.objects.count() == 3
    # Once the text and fee are right, the order of the days is checked.
    response = client.post("/payments/levels/new/", form_data(days_after_due="30"))
    assert response.status_code == 200
    assert "un niveau plus haut part plus tard (plus de 45 jours)" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rank": "12"}, "Un niveau va de 1 à 9."),
        ({"rank": "deux"}, "Saisissez un nombre entier."),
        ({"days_after_due": None}, "Indiquez le nombre de jours après l&#x27;échéance."),
        ({"fee": "beaucoup"}, "Saisissez un montant, par exemple 15,00."),
        ({"fee": "99999999999"}, "Les frais vont de 0 à 10 000,00 €, au centime près."),
        ({"channel": "pigeon"}, "Mode d&#x27;envoi inconnu."),
        ({"name": "x" * 101}, "100 caractères"),
    ],
)
def test_the_form_refuses_what_is_typed_wrong(direction, client_for, overrides, message):
    response = client_for(direction).post("/payments/levels/new/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()


def test_edit_a_level(direction, client_for):
    client = client_for(direction)
    pk = level(2).pk
    page = client.get(f"/payments/levels/{pk}/").content.decode()
    assert 'value="Seconde relance"' in page and "Seconde relance : facture(s) F-" in page
    response = client.post(
        f"/payments/levels/{pk}/",
        form_data(rank="2", name="Relance ferme", days_after_due="30", fee="7,50"),
    )
    assert response.status_code == 302
    changed = level(2)
    assert (changed.name, changed.days_after_due, changed.fee) == (
        "Relance ferme",
        30,
        Decimal("7.50"),
    )


def test_deactivate_reactivate_and_delete(direction, client_for):
    client = client_for(direction)
    pk = level(2).pk
    client.post(f"/payments/levels/{pk}/active/")
    assert not level(2).active
    response = client.post(f"/payments/levels/{pk}/active/", follow=True)
    assert level(2).active and "réactivé" in response.content.decode()
    response = client.post(f"/payments/levels/{pk}/delete/", follow=True)
    assert not ReminderLevel.objects.filter(pk=pk).exists()
    assert "supprimé" in response.content.decode()


def test_a_used_level_is_not_deleted_from_the_screen(direction, client_for):
    customer = CustomerFactory()
    sent_reminder(customer, [issued_invoice(customer=customer)], rank=2)
    response = client_for(direction).post(f"/payments/levels/{level(2).pk}/delete/", follow=True)
    assert "désactivez-le plutôt" in response.content.decode()
    assert ReminderLevel.objects.filter(rank=2).exists()


def test_the_preview_answers_as_the_text_is_typed(direction, client_for):
    client = client_for(direction)
    response = client.post(
        "/payments/levels/preview/",
        {"subject": "Relance {code_client}", "body": "Bonjour {client},\n{montant_du}"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Relance C00042" in html and "Résidence Les Tilleuls" in html
    response = client.post("/payments/levels/preview/", {"subject": "", "body": "{inconnu}"})
    assert "Champ inconnu : {inconnu}." in response.content.decode()
    assert client.get("/payments/levels/preview/").status_code == 405
