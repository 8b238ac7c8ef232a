"""The import's fast paths: it trusts the check's per-row model checks only while the
file, the mapping and the families are unchanged, and then stores the same values; the
undo deletes by id, with the links of many-to-many fields to the sites."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from creneau.customers.models import Contact, Customer, Family, Site
from creneau.imports.models import ImportBatch
from creneau.imports.services import batch_confirm, check_digest
from creneau.imports.tests.helpers import VALID_IBAN, checked, csv_bytes, row
from creneau.imports.writer import ImportRefused, batch_execute, batch_undo

pytestmark = pytest.mark.django_db

MESSY = [
    row(
        **{
            "Raison sociale": "\u200bRésidence Les Tilleuls",
            "CP": "75 011",
            "Téléphone": "01 23 45 67 89",
            "IBAN": VALID_IBAN[:4] + " " + VALID_IBAN[4:],
            "RUM": "RUM-TRUST-1",
            "Date signature": "15/03/2024",
            "CP site": "69 003",
            "Adresse site": "2 avenue Foch",
            "Ville site": "Lyon",
            "Interlocuteur": "Mme\u200b Martin",
            "Email contact": "martin@exemple.fr",
        }
    )
]


def _stored() -> list[tuple]:
    customers = list(Customer.objects.values_list("name", "postcode", "phone", "iban"))
    sites = list(Site.objects.values_list("name", "street", "postcode", "city"))
    contacts = list(Contact.objects.values_list("name", "email"))
    return [customers, sites, contacts]


def _import(batch: ImportBatch, by) -> ImportBatch:
    batch_confirm(batch=batch, by=by, enqueue=False)
    return batch_execute(batch_id=batch.pk, by=by)


def test_the_trusted_import_stores_what_the_full_checks_store(direction):
    trusted = checked(MESSY, by=direction)
    assert trusted.checked_digest and check_digest(trusted) == trusted.checked_digest
    stored = _stored_after(_import(trusted, direction), direction)
    full = checked(MESSY, by=direction)
    full.checked_digest = ""  # as if something changed: every model check runs again
    full.save(update_fields=["checked_digest"])
    assert _stored_after(_import(full, direction), direction) == stored
    customers, sites, contacts = stored
    assert customers == [("Résidence Les Tilleuls", "75011", "+33123456789", VALID_IBAN)]
    assert sites == [("Hall A", "2 avenue Foch", "69003", "Lyon")]
    assert contacts == [("Mme Martin", "martin@exemple.fr")]


def _stored_after(batch: ImportBatch, by) -> list[tuple]:
    assert batch.status == "imported"
    stored = _stored()
    batch_undo(batch=batch, by=by)
    assert not Customer.objects.exists()
    return stored


def test_a_file_changed_since_the_check_is_checked_again(direction):
    batch = checked([row()], by=direction)
    changed = csv_bytes([row(Adresse="")])  # a required street, only the model checks it
    with default_storage.open(batch.csv_path, "rb") as stored:
        number_column = stored.read().decode().splitlines()
    lines = changed.decode("utf-8-sig").splitlines()
    text = "\r\n".join([number_column[0], "2," + lines[1].replace(";", ",")]) + "\r\n"
    default_storage.delete(batch.csv_path)
    default_storage.save(batch.csv_path, ContentFile(text.encode()))
    assert check_digest(batch) != batch.checked_digest
    with pytest.raises(ImportRefused, match="obligatoire"):
        _import(batch, direction)
    assert not Customer.objects.exists()


def test_a_family_renamed_since_the_check_refuses_the_import(direction):
    family = Family.objects.create(name="Syndics")
    batch = checked([row(Famille="Syndics")], by=direction)
    family.name = "Copropriétés"
    family.save()
    with pytest.raises(ImportRefused, match="Famille inconnue"):
        _import(batch, direction)
    assert not Customer.objects.exists()


def test_the_undo_removes_the_links_to_the_imported_sites(direction):
    from creneau.planning.tests.factories import EmployeeFactory

    batch = _import(checked([row(), row(Site="Hall B")], by=direction), direction)
    employee = EmployeeFactory()
    employee.incompatible_sites.add(*Site.objects.all())
    batch_undo(batch=batch, by=direction)
    assert not Site.objects.exists() and not Customer.objects.exists()
    assert employee.incompatible_sites.count() == 0
