"""The preview's report: detection, mapping, each kind of error at its row and column."""

from __future__ import annotations

import io

import openpyxl
import pytest

from creneau.customers.models import Family
from creneau.customers.services import customer_create
from creneau.imports.fields import mapping_errors, mapping_propose
from creneau.imports.files import rows_read
from creneau.imports.tests.helpers import HEADERS, VALID_IBAN, checked, csv_bytes, messages, row
from creneau.imports.tests.helpers import upload as upload_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ";"), ("utf-8-sig", ","), ("cp1252", ";"), ("cp1252", "\t"), ("utf-8", "|")],
)
def test_encoding_and_delimiter_are_detected(encoding, delimiter):
    batch = upload_bytes(csv_bytes([row(Ville="Évry")], delimiter=delimiter, encoding=encoding))
    assert batch.delimiter == delimiter
    assert batch.encoding == {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8"}.get(encoding, "cp1252")
    assert batch.headers == HEADERS
    [(number, values)] = list(rows_read(batch.csv_path))
    assert number == 2 and values["Ville"] == "Évry" and values["Raison sociale"].startswith("Rés")


def test_xlsx_is_turned_into_csv_once(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Code postal", "Ville", "Adresse", "Date signature"])
    sheet.append(["Dupont", 1000, "Bourg", "1 rue", None])
    sheet.append([None, None, None, None, None])
    sheet.append(["Durand", "69001", "Lyon", "2 rue", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload_bytes(buffer.getvalue(), name="clients.xlsx")
    assert batch.file_kind == "xlsx" and batch.row_count == 2
    rows = list(rows_read(batch.csv_path))
    assert [number for number, _values in rows] == [2, 4]  # the blank row keeps its number
    assert rows[0][1]["Code postal"] == "1000"


def test_not_a_spreadsheet_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        upload_bytes(b"PK\x03\x04garbage", name="x.xlsx")
    with pytest.raises(ValidationError):
        upload_bytes(b"\x00\x01\x02", name="x.csv")
    with pytest.raises(ValidationError):
        upload_bytes(b"", name="x.csv")


def test_mapping_is_proposed_from_french_english_and_dolibarr_names():
    proposed = mapping_propose(["Raison sociale", "CP", "s.town", "E-mail", "Zip", "IBAN"])
    assert proposed == {
        "name": "Raison sociale",
        "postcode": "CP",
        "city": "s.town",
        "email": "E-mail",
        "iban": "IBAN",
    }
    assert mapping_propose(["Customer name", "Postal code"]) == {
        "name": "Customer name",
        "postcode": "Postal code",
    }
    assert mapping_errors({"city": "Ville"}, ["Ville"])  # no name
    assert mapping_errors({"name": "Nom", "city": "Nom"}, ["Nom"])  # a column twice
    assert mapping_errors({"name": "Nom", "nope": "X"}, ["Nom", "X"])
    assert mapping_errors({"name": "Nom"}, ["Nom"]) == []


def test_a_valid_file_has_no_error_and_counts_customers_and_sites():
    batch = checked(
        [
            row(),
            row(Site="Hall B"),
            row(**{"Code client": "A2", "Raison sociale": "Durand", "Type": "particulier"}),
        ]
    )
    assert messages(batch) == []
    assert (batch.customer_count, batch.site_count) == (2, 3)


@pytest.mark.parametrize(
    ("values", "column", "words"),
    [
        ({"CP": "7501"}, "CP", ""),  # padded to 07501, a valid French postcode
        ({"CP": "99999"}, "CP", "postal"),
        ({"IBAN": "FR7630006000011234567890180"}, "IBAN", "IBAN invalide"),
        ({"SIRET": "12345678901234"}, "SIRET", "SIRET"),
        ({"Raison sociale": ""}, "Raison sociale", "Nom du client manquant"),
        ({"Famille": "Inconnue"}, "Famille", "Famille inconnue"),
        ({"Groupe": "AB"}, "Groupe", "groupe"),
        ({"Type": "martien"}, "Type", "Type inconnu"),
        ({"E-mail": "pas-un-mail"}, "E-mail", "courriel"),
        ({"RUM": "R1", "IBAN": ""}, "IBAN", "IBAN"),
        (
            {"RUM": "R1", "IBAN": VALID_IBAN, "Date signature": "31/02/2020"},
            "Date signature",
            "Date de signature",
        ),
        ({"Interlocuteur": "", "Email contact": "a@b.fr"}, "Interlocuteur", "interlocuteur"),
    ],
)
def test_each_error_is_at_its_row_and_column(values, column, words):
    batch = checked([row(**{"Code client": "OK"}), row(**values)])
    found = messages(batch)
    if not words:
        assert found == []
        return
    assert any(r == 3 and c == column and words.lower() in m.lower() for r, c, m in found), found


def test_known_family_and_rows_of_a_customer_must_follow_each_other():
    Family.objects.create(name="Syndics")
    batch = checked([row(Famille="syndics"), row(**{"Code client": "B"}), row(Site="Hall C")])
    assert [(r, c) for r, c, _m in messages(batch)] == [(4, "Code client")]


def test_likely_duplicates_are_reported(direction):
    customer_create(
        by=direction, name="Résidence les tilleuls", street="1 rue", postcode="75011", city="Paris"
    )
    batch = checked([row(), row(**{"Code client": "Z", "Raison sociale": "Autre"})], by=direction)
    [duplicate] = batch.issues.filter(kind="duplicate")
    assert duplicate.row == 2 and duplicate.decision == "skip"
