"""The import itself: all or nothing, duplicates' choices, the history, the undo."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from creneau.core.models import AuditEvent
from creneau.customers.models import Contact, Customer, Site
from creneau.customers.services import customer_create, customer_update, site_update
from creneau.imports.models import ImportBatch
from creneau.imports.services import batch_confirm, issue_decide
from creneau.imports.tests.helpers import VALID_IBAN, checked, csv_bytes, row
from creneau.imports.writer import ImportRefused, batch_execute, batch_undo
from creneau.payments.models import Mandate

pytestmark = pytest.mark.django_db

ROWS = [
    row(
        Interlocuteur="M. Martin",
        Fonction="Comptabilité",
        IBAN=VALID_IBAN,
        RUM="RUM-1",
        **{"Email contact": "m@ex.fr", "Date signature": "01/02/2024"},
    ),
    row(Site="Hall B"),
    row(
        **{
            "Code client": "A2",
            "Raison sociale": "Durand",
            "Type": "particulier",
            "Site": "",
            "Groupe": "",
        }
    ),
]


def imported(rows, by=None) -> ImportBatch:
    batch = checked(rows, by=by)
    batch_confirm(batch=batch, by=by, enqueue=False)
    return batch_execute(batch_id=batch.pk, by=by)


def test_import_creates_customers_sites_contacts_and_mandates(direction):
    batch = imported(ROWS, by=direction)
    assert batch.status == "imported"
    tilleuls = Customer.objects.get(name="Résidence Les Tilleuls")
    assert tilleuls.kind == "business" and tilleuls.code.startswith("C")
    assert tilleuls.accounting_code == f"411{tilleuls.code}"
    assert "hall" in tilleuls.search_text
    assert sorted(tilleuls.sites.values_list("name", flat=True)) == ["Hall A", "Hall B"]
    contact = Contact.objects.get(name="M. Martin")
    assert contact.role == "accounting" and contact.site.name == "Hall A"
    mandate = Mandate.objects.get(rum="RUM-1")
    assert mandate.customer == tilleuls and mandate.iban == VALID_IBAN
    durand = Customer.objects.get(name="Durand")
    assert durand.kind == "individual" and not durand.sites.exists()
    created = AuditEvent.objects.filter(customer_id=durand.pk, action="create").get()
    assert f"Import n° {batch.pk}" in created.message and created.actor == direction
    assert AuditEvent.objects.filter(object_type="importbatch", object_id=str(batch.pk)).exists()


def test_nothing_is_written_while_an_error_remains():
    batch = checked([row(), row(**{"Code client": "B", "CP": "99999"})])
    with pytest.raises(ValidationError, match="Corrigez"):
        batch_confirm(batch=batch, by=None, enqueue=False)
    assert not Customer.objects.exists()


def test_an_error_found_while_importing_rolls_everything_back():
    """The database changed since the preview (a RUM taken meanwhile): nothing stays."""
    rows = [row(**{"Code client": f"K{n}"}) for n in range(5)]
    rows.append(row(**{"Code client": "M", "IBAN": VALID_IBAN, "RUM": "TAKEN"}))
    batch = checked(rows)
    batch_confirm(batch=batch, by=None, enqueue=False)
    other = customer_create(by=None, name="Autre", street="1 rue", postcode="75001", city="Paris")
    Mandate.objects.create(customer=other, rum="TAKEN", iban=VALID_IBAN)
    with pytest.raises(ImportRefused, match="RUM"):
        batch_execute(batch_id=batch.pk)
    assert Customer.objects.count() == 1 and not Site.objects.exists()


@pytest.mark.parametrize("decision", ["skip", "update", "create"])
def test_duplicates_choice(direction, decision):
    existing = customer_create(
        by=direction, name="Résidence les Tilleuls", street="1 rue", postcode="75011", city="Paris"
    )
    batch = checked([row(Téléphone="01 23 45 67 89")], by=direction)
    issue_decide(batch=batch, row=2, decision=decision)
    batch_confirm(batch=batch, by=direction, enqueue=False)
    batch_execute(batch_id=batch.pk, by=direction)
    existing.refresh_from_db()
    count = Customer.objects.count()
    if decision == "skip":
        assert count == 1 and existing.street == "1 rue"
    elif decision == "update":
        assert count == 1 and existing.street == "3 rue des Lilas"
        assert existing.phone == "+33123456789" and existing.sites.count() == 1
    else:
        assert count == 2


def test_undo_removes_what_the_import_created_and_restores_updates(direction):
    existing = customer_create(
        by=direction, name="Résidence les Tilleuls", street="1 rue", postcode="75011", city="Paris"
    )
    batch = checked([*ROWS[:2], ROWS[2]], by=direction)
    issue_decide(batch=batch, row=2, decision="update")
    batch_confirm(batch=batch, by=direction, enqueue=False)
    batch = batch_execute(batch_id=batch.pk, by=direction)
    assert Customer.objects.count() == 2
    batch_undo(batch=batch, by=direction)
    existing.refresh_from_db()
    assert list(Customer.objects.all()) == [existing]
    assert existing.street == "1 rue" and not Site.objects.exists()
    assert not Mandate.objects.exists() and not Contact.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == "undone"


@pytest.mark.parametrize("touch", ["customer", "site"])
def test_undo_is_refused_once_something_else_touched_the_rows(direction, touch):
    batch = imported(ROWS, by=direction)
    durand = Customer.objects.get(name="Durand")
    if touch == "customer":
        customer_update(customer=durand, by=direction, notes="Appeler avant")
    else:
        site_update(site=Site.objects.first(), by=direction, access_notes="Digicode 1234")
    with pytest.raises(ValidationError, match="ne peut plus être annulé"):
        batch_undo(batch=batch, by=direction)
    assert Customer.objects.count() == 2


def test_command_dry_run_reports_errors_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes([row(), row(**{"Code client": "B", "CP": "99999"})]))
    with pytest.raises(CommandError, match="1 erreur"):
        call_command("import_customers", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "ligne 3, colonne « CP »" in out
    assert not Customer.objects.exists()


def test_command_imports_with_a_saved_mapping(tmp_path, capsys):
    from creneau.imports.services import mapping_save

    mapping_save(
        by=None,
        name="Softy",
        columns={"name": "Nom société", "street": "Rue", "postcode": "Code", "city": "Commune"},
    )
    path = tmp_path / "clients.csv"
    path.write_text("Nom société;Rue;Code;Commune\nDupont;1 rue;75001;Paris\n", encoding="utf-8")
    call_command("import_customers", str(path), "--mapping", "softy")
    assert "1 clients" in capsys.readouterr().out
    assert Customer.objects.get().city == "Paris"
    with pytest.raises(CommandError, match="inconnu"):
        call_command("import_customers", str(path), "--mapping", "nope")


def test_the_documented_example_imports_cleanly(capsys):
    from django.conf import settings

    call_command("import_customers", str(settings.BASE_DIR / "docs/examples/import-clients.csv"))
    assert "2 clients, 2 sites, 2 interlocuteurs, 1 mandats créés" in capsys.readouterr().out
    syndic = Customer.objects.get(name="Syndic Paris Habitat")
    assert syndic.mandates.get().rum == "SPH-2024-001"
    assert sorted(syndic.sites.values_list("billing_group", flat=True)) == ["A", "B"]
