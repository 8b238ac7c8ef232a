"""SEPA collection batches through the services: the proposal, the pain.008 file (both
versions, checked against the repository's XSD with lxml), sequence types over batches,
pre-notification e-mails, transmission, rejects and their fee, the refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree

from creneau.billing.models import Invoice
from creneau.core.models import Company, OutboxEmail
from creneau.payments.models import (
    MandateScheme,
    MandateStatus,
    MandateType,
    Payment,
    PaymentMethod,
    SepaBatch,
    SepaItemStatus,
)
from creneau.payments.sepa_batches import (
    collection_date_check,
    sepa_batch_create,
    sepa_batch_xml,
    sepa_proposal,
)
from creneau.payments.sepa_calendar import is_target_business_day, next_target_business_day
from creneau.payments.sepa_collect import sepa_batch_transmit, sepa_item_reject
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.sepa_factories import (
    MandateFactory,
    collection_day,
    debit_invoice,
    mandate_with_invoice,
    sepa_company,
)

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SCHEMAS = Path(__file__).resolve().parents[1] / "sepa_schemas"
NS = {
    "pain.008.001.02": {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"},
    "pain.008.001.08": {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"},
}


def valid_document(content: bytes, version: str) -> etree._Element:
    """The file parsed, after checking it against the official XSD kept in the repo."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / f"{version}.xsd")))
    document = etree.fromstring(content)
    assert schema.validate(document), schema.error_log
    return document


def sequences(document: etree._Element, version: str) -> dict[str, str]:
    """EndToEndId (invoice number) -> SeqTp of its PmtInf."""
    ns = NS[version]
    found = {}
    for info in document.iterfind(".//p:PmtInf", ns):
        sequence = info.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns)
        for transaction in info.iterfind("p:DrctDbtTxInf", ns):
            found[transaction.findtext("p:PmtId/p:EndToEndId", namespaces=ns)] = sequence
    return found


@pytest.fixture
def company():
    return sepa_company(sepa_reject_fee=Decimal("7.50"))


def make_batch(by, day=None, **kwargs) -> SepaBatch:
    return sepa_batch_create(collection_date=day or collection_day(), by=by, **kwargs)


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_file_validates_and_carries_the_debits(company, direction, version):
    Company.objects.update(sepa_pain_version=version)
    _core, core_invoice = mandate_with_invoice(amount="100")
    b2b, b2b_invoice = mandate_with_invoice(amount="250.50", scheme=MandateScheme.B2B)
    _one_off, one_off_invoice = mandate_with_invoice(amount="10", type=MandateType.ONE_OFF)
    day = collection_day()
    batch = make_batch(direction, day)
    assert batch.pain_version == version and batch.item_count == 3
    assert batch.total == Decimal("120.00") + Decimal("300.60") + Decimal("12.00")
    content = sepa_batch_xml(batch)
    document = valid_document(content, version)
    ns = NS[version]
    assert document.findtext(".//p:GrpHdr/p:MsgId", namespaces=ns) == batch.message_id
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "432.60"
    assert sequences(document, version) == {
        core_invoice.number: "FRST", b2b_invoice.number: "FRST", one_off_invoice.number: "OOFF"
    }  # fmt: skip
    # One PmtInf per scheme and sequence, with the scheme's local instrument.
    instruments = {
        (info.findtext(".//p:LclInstrm/p:Cd", namespaces=ns),
         info.findtext(".//p:SeqTp", namespaces=ns))
        for info in document.iterfind(".//p:PmtInf", ns)
    }  # fmt: skip
    assert instruments == {("CORE", "FRST"), ("B2B", "FRST"), ("CORE", "OOFF")}
    transaction = next(
        tx for tx in document.iterfind(".//p:DrctDbtTxInf", ns)
        if tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns) == b2b_invoice.number
    )  # fmt: skip
    assert transaction.findtext("p:InstdAmt", namespaces=ns) == "300.60"
    assert transaction.findtext(".//p:MndtId", namespaces=ns) == b2b.rum
    assert transaction.findtext(".//p:DtOfSgntr", namespaces=ns) == b2b.signature_date.isoformat()
    assert transaction.findtext(".//p:DbtrAcct//p:IBAN", namespaces=ns) == b2b.iban
    assert document.findtext(".//p:CdtrSchmeId//p:Othr/p:Id", namespaces=ns) == "FR78ZZZ123456"
    assert document.findtext(".//p:ReqdColltnDt", namespaces=ns) == day.isoformat()
    # Stored once; the same bytes every time.
    assert sepa_batch_xml(SepaBatch.objects.get(pk=batch.pk)) == content
    import hashlib

    assert hashlib.sha256(content).hexdigest() == batch.xml_sha256


def test_frst_then_rcur_over_three_batches(company, direction):
    mandate = MandateFactory()
    first = debit_invoice(customer=mandate.customer)
    batch1 = make_batch(direction, collection_day(3))
    # A second batch before the first is transmitted: no second FRST.
    second = debit_invoice(customer=mandate.customer)
    batch2 = make_batch(direction, collection_day(10))
    assert batch1.items.get().sequence_type == "FRST"
    assert batch2.items.get().sequence_type == "RCUR"
    sepa_batch_transmit(batch=batch1, by=direction)
    sepa_batch_transmit(batch=batch2, by=direction)
    mandate.refresh_from_db()
    assert mandate.first_collection_date == batch1.collection_date
    assert mandate.last_collection_date == batch2.collection_date
    third = debit_invoice(customer=mandate.customer)
    batch3 = make_batch(direction, collection_day(20))
    assert batch3.items.get().sequence_type == "RCUR"
    for batch, invoice, sequence in ((batch1, first, "FRST"), (batch2, second, "RCUR"),
                                     (batch3, third, "RCUR")):  # fmt: skip
        document = valid_document(sepa_batch_xml(batch), batch.pain_version)
        assert sequences(document, batch.pain_version) == {invoice.number: sequence}


def test_one_off_mandate_is_used_once(company, direction):
    mandate, _invoice = mandate_with_invoice(type=MandateType.ONE_OFF)
    batch = make_batch(direction)
    assert batch.items.get().sequence_type == "OOFF"
    debit_invoice(customer=mandate.customer)
    proposal = sepa_proposal(collection_date=collection_day(10))
    assert proposal.debits == []
    assert "ponctuel" in proposal.left_out[0][2]


def test_proposal_due_by_and_unticked(company, direction):
    mandate = MandateFactory()
    day = collection_day(5)
    now = debit_invoice(customer=mandate.customer, due_date=day)
    later = debit_invoice(customer=mandate.customer, due_date=day + timedelta(days=20))
    assert [d.invoice for d in sepa_proposal(collection_date=day).debits] == [now]
    proposal = sepa_proposal(collection_date=day, due_by=day + timedelta(days=30))
    assert {d.invoice for d in proposal.debits} == {now, later}
    # The user unticks one: only the other is debited, and stays proposed later.
    batch = make_batch(direction, day, due_by=day + timedelta(days=30), invoice_ids=[later.pk])
    assert list(batch.items.values_list("invoice_id", flat=True)) == [later.pk]
    again = sepa_proposal(collection_date=day, due_by=day + timedelta(days=30))
    assert [d.invoice for d in again.debits] == [now]


def test_proposal_leaves_out_unsigned_revoked_and_paid(company, direction):
    _unsigned, _unsigned_invoice = mandate_with_invoice(signature_date=None)
    _revoked, _invoice = mandate_with_invoice(status=MandateStatus.REVOKED)
    old = timezone.localdate() - timedelta(days=365 * 4)
    _lapsed, _lapsed_invoice = mandate_with_invoice(signature_date=old)
    fine, fine_invoice = mandate_with_invoice()
    paid = debit_invoice(customer=fine.customer)
    Invoice.objects.filter(pk=paid.pk).update(amount_due=0, status=Invoice.Status.PAID)
    proposal = sepa_proposal(collection_date=collection_day())
    assert [d.invoice for d in proposal.debits] == [fine_invoice]
    reasons = " ".join(reason for _i, _m, reason in proposal.left_out)
    assert "pas signé" in reasons and "révoqué" in reasons and "expiré" in reasons


def test_prenotification_emails(company, direction, django_capture_on_commit_callbacks, settings):
    settings.TASKS = IMMEDIATE
    day = collection_day(5)
    mandate = MandateFactory()
    first = debit_invoice(customer=mandate.customer, amount="100", due_date=day)
    second = debit_invoice(customer=mandate.customer, amount="50", due_date=day)
    # An invoice e-mailed under the mandate with the debit date: already pre-notified.
    told = MandateFactory()
    told_invoice = debit_invoice(
        customer=told.customer,
        due_date=day,
        sent_at=timezone.now() - timedelta(days=20),
        debit_mandate_rum=told.rum,
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = make_batch(direction, day)
    emails = list(OutboxEmail.objects.all())
    assert len(emails) == 1  # one per customer, none for the pre-notified invoice
    email = emails[0]
    assert email.to == [mandate.customer.email]
    assert email.customer_id == mandate.customer_id
    assert "180,00" in email.subject and day.strftime("%d/%m/%Y") in email.subject
    assert first.number in email.body and second.number in email.body
    assert mandate.rum in email.body and "FR78ZZZ123456" in email.body
    items = {item.invoice_id: item for item in batch.items.all()}
    assert items[first.pk].prenotified_at is not None
    assert items[told_invoice.pk].prenotified_at == told_invoice.sent_at


def test_short_notice_is_a_warning(company):
    MandateFactory()
    day = collection_day(3)
    assert sepa_proposal(collection_date=day).short_notice
    assert not sepa_proposal(collection_date=collection_day(20)).short_notice


def test_transmit_records_sepa_payments(company, direction):
    _mandate, invoice = mandate_with_invoice(amount="100")
    batch = make_batch(direction)
    sepa_batch_transmit(batch=batch, by=direction)
    batch.refresh_from_db()
    assert batch.status == "transmitted" and batch.transmitted_by == direction
    item = batch.items.get()
    assert item.status == SepaItemStatus.COLLECTED
    payment = item.payment
    assert payment.method == PaymentMethod.SEPA_DEBIT
    assert payment.date == batch.collection_date and payment.amount == Decimal("120.00")
    assert list(payment.allocations.values_list("invoice_id", "amount")) == [
        (invoice.pk, Decimal("120.00"))
    ]
    invoice.refresh_from_db()
    assert invoice.amount_due == 0 and invoice.status == Invoice.Status.PAID
    with pytest.raises(ValidationError, match="déjà marquée comme transmise"):
        sepa_batch_transmit(batch=batch, by=direction)


def test_reject_reverses_and_bills_a_fee(company, direction):
    dunning_helpers.default_levels_ensure()
    mandate, invoice = mandate_with_invoice(amount="100")
    batch = make_batch(direction)
    item = batch.items.get()
    with pytest.raises(ValidationError, match="transmis"):
        sepa_item_reject(item=item, reason_code="AM04", by=direction)
    sepa_batch_transmit(batch=batch, by=direction)
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="inconnu"):
        sepa_item_reject(item=item, reason_code="ZZ99", by=direction)
    sepa_item_reject(item=item, reason_code="am04", add_fee=True, by=direction)
    item.refresh_from_db()
    assert item.status == SepaItemStatus.REJECTED and item.reject_code == "AM04"
    reversal = Payment.objects.get(reversal_of=item.payment)
    assert "AM04" in reversal.reason and "Provision insuffisante" in reversal.reason
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("120.00") and invoice.status == Invoice.Status.ISSUED
    fee = item.reject_fee_invoice
    assert fee.customer_id == mandate.customer_id and fee.number
    assert fee.total_gross == Decimal("7.50") and fee.amount_due == Decimal("7.50")
    assert "Frais de rejet de prélèvement" in fee.lines.get().description
    # The mandate's only debit was rejected: FRST again, and the invoice in a later batch.
    mandate.refresh_from_db()
    assert mandate.first_collection_date is None
    proposal = sepa_proposal(collection_date=collection_day(40), due_by=collection_day(40))
    debits = {debit.invoice: debit.sequence_type for debit in proposal.debits}
    assert debits[invoice] == "FRST"
    # Due again, it is dunned again once overdue.
    from creneau.payments.dunning import dunning_run_create

    long_ago = timezone.localdate() - timedelta(30)
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=long_ago, due_date=long_ago)
    run = dunning_run_create(as_of=timezone.localdate(), by=direction)
    assert run.reminders.filter(items__invoice=invoice).exists()
    with pytest.raises(ValidationError, match="déjà rejeté"):
        sepa_item_reject(item=item, reason_code="AM04", by=direction)


def test_rcur_stays_after_a_later_reject(company, direction):
    mandate, _first = mandate_with_invoice()
    batch1 = make_batch(direction, collection_day(3))
    sepa_batch_transmit(batch=batch1, by=direction)
    debit_invoice(customer=mandate.customer)
    batch2 = make_batch(direction, collection_day(10))
    sepa_batch_transmit(batch=batch2, by=direction)
    sepa_item_reject(item=batch2.items.get(), reason_code="MS02", by=direction)
    debit_invoice(customer=mandate.customer)
    proposal = sepa_proposal(collection_date=collection_day(20), due_by=collection_day(20))
    assert {debit.sequence_type for debit in proposal.debits} == {"RCUR"}


# Refusals ---------------------------------------------------------------------------------


def test_collection_date_must_be_an_interbank_business_day_ahead():
    today = date(2026, 12, 23)  # a Wednesday
    with pytest.raises(ValidationError, match="à venir"):
        collection_date_check(today, today=today)
    with pytest.raises(ValidationError, match="à venir"):
        collection_date_check(today - timedelta(days=3), today=today)
    with pytest.raises(ValidationError, match="ouvré interbancaire"):
        collection_date_check(date(2026, 12, 25), today=today)  # Christmas
    with pytest.raises(ValidationError, match="ouvré interbancaire"):
        collection_date_check(date(2026, 12, 26), today=today)  # Saturday and 26 Dec
    assert collection_date_check(date(2026, 12, 24), today=today) == date(2026, 12, 24)
    # TARGET2's holidays, not France's: 14 July and 11 November are business days.
    assert is_target_business_day(date(2026, 7, 14))
    assert not is_target_business_day(date(2026, 4, 3))  # Good Friday
    assert not is_target_business_day(date(2026, 4, 6))  # Easter Monday
    assert not is_target_business_day(date(2026, 5, 1))
    assert next_target_business_day(date(2026, 12, 24)) == date(2026, 12, 28)


def test_refusals(company, direction):
    _mandate, invoice = mandate_with_invoice()
    with pytest.raises(ValidationError) as error:
        make_batch(direction, timezone.localdate())
    assert "collection_date" in error.value.message_dict
    stranger = debit_invoice(customer=MandateFactory.build().customer.__class__.objects.create(
        code="NOMANDATE", name="Sans Mandat", postcode="75011", city="Paris"))  # fmt: skip
    with pytest.raises(ValidationError, match="pas de mandat"):
        make_batch(direction, invoice_ids=[stranger.pk])
    _revoked, revoked_invoice = mandate_with_invoice(status=MandateStatus.REVOKED)
    with pytest.raises(ValidationError, match="révoqué"):
        make_batch(direction, invoice_ids=[revoked_invoice.pk])
    _expired, expired_invoice = mandate_with_invoice(status=MandateStatus.EXPIRED)
    with pytest.raises(ValidationError, match="expiré"):
        make_batch(direction, invoice_ids=[expired_invoice.pk])
    with pytest.raises(ValidationError, match="vide"):
        make_batch(direction, collection_day(3), invoice_ids=[])
    make_batch(direction, invoice_ids=[invoice.pk])
    with pytest.raises(ValidationError, match="déjà dans une remise"):
        make_batch(direction, invoice_ids=[invoice.pk])
    assert SepaBatch.objects.count() == 1


def test_company_without_ics_or_iban(direction):
    Company.objects.update(sepa_creditor_id="", iban="", bic="")
    mandate_with_invoice()
    with pytest.raises(ValidationError) as error:
        make_batch(direction)
    message = " ".join(error.value.messages)
    assert "ICS" in message and "IBAN" in message and "Paramètres › Société" in message  # noqa: RUF001


def test_a_batch_beaten_by_another_keeps_no_file(company, direction, monkeypatch):
    """Another batch takes one of the invoices between the proposal and the insert: the
    batch is refused, in French, and its file does not stay behind in storage."""
    from creneau.payments import sepa_batches
    from creneau.payments.models import SepaBatchItem

    mandate, invoice = mandate_with_invoice()
    other = SepaBatch.objects.create(
        collection_date=collection_day(5), pain_version="pain.008.001.02", message_id="OTHER"
    )
    save_items = sepa_batches._save_items

    def beaten(batch, debits):
        # The other batch's row lands first (the same moment, on another connection).
        SepaBatchItem.objects.create(
            batch=other, invoice=invoice, mandate=mandate, customer=invoice.customer,
            amount=invoice.amount_due, sequence_type="FRST",
        )  # fmt: skip
        return save_items(batch, debits)

    monkeypatch.setattr(sepa_batches, "_save_items", beaten)
    storage = SepaBatch._meta.get_field("xml").storage
    folder = f"sepa/{collection_day(3):%Y}"

    def files() -> list[str]:
        return storage.listdir(folder)[1] if storage.exists(folder) else []

    with pytest.raises(ValidationError, match="autre remise"):
        sepa_batch_create(collection_date=collection_day(3), by=direction, notify=False)
    assert files() == []
    assert not SepaBatch.objects.exclude(pk=other.pk).exists()
