"""Files to import, written in the tests."""

from __future__ import annotations

import csv
import io

from creneau.imports.models import ImportBatch
from creneau.imports.services import (
    batch_check,
    batch_convert,
    batch_start_check,
    batch_upload,
)

HEADERS = [
    "Code client",
    "Raison sociale",
    "Type",
    "Adresse",
    "CP",
    "Ville",
    "Téléphone",
    "E-mail",
    "Famille",
    "SIRET",
    "IBAN",
    "RUM",
    "Date signature",
    "Site",
    "Adresse site",
    "CP site",
    "Ville site",
    "Groupe",
    "Interlocuteur",
    "Fonction",
    "Email contact",
]
VALID_IBAN = "FR7630006000011234567890189"


def row(**values: str) -> dict[str, str]:
    base = {
        "Code client": "A1",
        "Raison sociale": "Résidence Les Tilleuls",
        "Type": "professionnel",
        "Adresse": "3 rue des Lilas",
        "CP": "75011",
        "Ville": "Paris",
        "Téléphone": "",
        "E-mail": "",
        "Famille": "",
        "SIRET": "",
        "IBAN": "",
        "RUM": "",
        "Date signature": "",
        "Site": "Hall A",
        "Adresse site": "",
        "CP site": "",
        "Ville site": "",
        "Groupe": "A",
        "Interlocuteur": "",
        "Fonction": "",
        "Email contact": "",
    }
    base.update(values)
    return base


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    headers: list[str] = HEADERS,
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(data: bytes, *, by=None, name: str = "clients.csv") -> ImportBatch:
    """Upload, and read a workbook at once as the task worker would (batch_convert)."""
    batch = batch_upload(by=by, upload=io.BytesIO(data), name=name, size=len(data), enqueue=False)
    if batch.status == ImportBatch.Status.CONVERTING:
        batch = batch_convert(batch_id=batch.pk)
    return batch


def checked(rows: list[dict[str, str]], *, by=None) -> ImportBatch:
    batch = upload(csv_bytes(rows), by=by)
    batch_start_check(batch=batch, enqueue=False)
    return batch_check(batch_id=batch.pk, by=by)


def messages(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(batch.issues.filter(kind="error").values_list("row", "column", "message"))
