"""The pain.008 file of a collection batch (remise de prélèvements), written with sepaxml
and checked against the official XSD kept in this repository (sepa_schemas/).

sepaxml checks its own output with xmlschema, in pure Python: about a second per thousand
debits. lxml (libxml2) checks the same XSD in a tenth of a second for ten thousand, so
the file is exported unchecked and validated here, with lxml, against the repository's
copy of the schema: a file that does not validate is never stored.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree
from sepaxml import SepaDD

PAIN_VERSIONS = ("pain.008.001.02", "pain.008.001.08")
SCHEMAS_DIR = Path(__file__).resolve().parent / "sepa_schemas"


@cache
def pain_schema(version: str) -> etree.XMLSchema:
    """The official XSD of a pain.008 version, from the repository (read once)."""
    if version not in PAIN_VERSIONS:
        raise ValueError(version)
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / f"{version}.xsd")))


def pain_errors(content: bytes, version: str) -> list[str]:
    """What the XSD finds wrong in a file (empty: it validates)."""
    schema = pain_schema(version)
    try:
        document = etree.fromstring(content)
    except etree.XMLSyntaxError as error:
        return [str(error)]
    if schema.validate(document):
        return []
    return [f"{error.line}: {error.message}" for error in schema.error_log]


class _SchemeSepaDD(SepaDD):
    """sepaxml makes one PmtInf per sequence type and date, with the local instrument (CORE
    or B2B) of the whole file. A batch may debit both schemes: the PmtInf are made per
    scheme too, each with its own instrument."""

    def __init__(self, config: dict[str, Any], schema: str) -> None:
        self._by_instrument: dict[str, tuple[OrderedDict, OrderedDict]] = {}
        super().__init__(config, schema=schema, clean=True)

    def _add_to_batch_list(self, TX, payment):
        instrument = payment["instrument"]
        groups = self._by_instrument.setdefault(instrument, (OrderedDict(), OrderedDict()))
        self._batches, self._batch_totals = groups
        super()._add_to_batch_list(TX, payment)

    def _finalize_batch(self):
        for instrument, (batches, totals) in self._by_instrument.items():
            self._batches, self._batch_totals = batches, totals
            self._config["instrument"] = instrument
            super()._finalize_batch()
        self._by_instrument = {}


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def pain008_build(
    *,
    version: str,
    message_id: str,
    creditor: dict[str, str],
    collection_date: date,
    debits: list[dict[str, Any]],
) -> bytes:
    """The pain.008 file: `creditor` has name, iban, bic, creditor_id; each debit has
    end_to_end_id (the invoice number), amount (Decimal euros), sequence_type, scheme,
    rum, signature_date, debtor_name, iban, bic, description. Raises ValidationError if
    the result does not validate against the XSD."""
    config = {
        "name": creditor["name"],
        "IBAN": creditor["iban"],
        "batch": True,
        "creditor_id": creditor["creditor_id"],
        "currency": "EUR",
    }
    if creditor.get("bic"):
        config["BIC"] = creditor["bic"]
    document = _SchemeSepaDD(config, schema=version)
    document.msg_id = message_id
    document._xml.find("CstmrDrctDbtInitn/GrpHdr/MsgId").text = message_id
    for debit in debits:
        payment = {
            "name": debit["debtor_name"],
            "IBAN": debit["iban"],
            "amount": _cents(debit["amount"]),
            "type": debit["sequence_type"],
            "collection_date": collection_date,
            "mandate_id": debit["rum"],
            "mandate_date": debit["signature_date"],
            "description": debit["description"],
            "endtoend_id": debit["end_to_end_id"],
            "instrument": debit["scheme"],
        }
        if debit.get("bic"):
            payment["BIC"] = debit["bic"]
        document.add_payment(payment)
    content = document.export(validate=False)
    errors = pain_errors(content, version)
    if errors:
        message = _("Le fichier de prélèvements ne respecte pas le format %(version)s : %(error)s")
        raise ValidationError(message % {"version": version, "error": errors[0]})
    return content
