"""The invoicing bench's data: a million issued invoices and credit notes, their lines and
their journal, written with PostgreSQL's COPY (about a minute per million rows here).

The invoices look like three years of a service company's billing: 20,000 customers
(individuals and businesses, 10 sales reps), one invoice of one line a day or so per
customer group, issue dates spread evenly up to yesterday and numbered in date order per
series and year (F-2025-00001...), 6 % credit notes crediting a recent invoice of the same
customer in full (which is then cancelled), old invoices mostly paid, recent ones mostly
due. Each row gets its journal entry, chained as journal_append chains them, so that
verify_journal holds on the result.

`invoicing_generate(total)` replaces every invoice (TRUNCATE) by `total` generated ones;
`data_ready(total)` says whether they are there, so that later runs reuse them.
"""

from __future__ import annotations

import json
import random
import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from creneau.billing.journal import GENESIS_HASH, JOURNAL_COUNTER, entry_hash, invoice_figures_of
from creneau.billing.models import Invoice, InvoiceLine, JournalEntry
from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import VatRate
from creneau.core.models import Counter
from creneau.customers.models import Customer, Site

CUSTOMERS = 20_000
YEARS = 3
CREDIT_NOTE_SHARE = 0.06
SEED = 11_2026
CUSTOMER_PREFIX = "FB"
VAT = Decimal("20.00")
CENT = Decimal("0.01")

INVOICE_COLUMNS = [
    "id", "kind", "status", "number", "customer_id", "billing_group", "credited_invoice_id",
    "issue_date", "due_date", "period_start", "period_end", "notes", "customer_name",
    "customer_code", "customer_kind", "billing_address", "customer_siren",
    "customer_vat_number", "site_addresses", "payment_terms_days", "late_penalty_rate",
    "total_net", "total_vat", "total_gross", "vat_breakdown", "amount_due", "pdf",
    "needs_posting", "debit_mandate_rum", "created_at", "updated_at", "issued_at",
]  # fmt: skip
LINE_COLUMNS = [
    "invoice_id", "position", "line_type", "site_id", "description", "quantity", "unit",
    "unit_price", "vat_rate_id", "vat_rate_value", "vat_exemption", "discount_percent", "net",
]  # fmt: skip
JOURNAL_COLUMNS = [
    "sequence", "kind", "invoice_id", "figures", "previous_hash", "hash", "recorded_at",
]  # fmt: skip


def generated_count() -> int:
    return Invoice.objects.exclude(status=Invoice.Status.DRAFT).count()


def data_ready(total: int) -> bool:
    """The generated invoices are there (those the bench issued since come on top)."""
    return total <= generated_count() < total + 100_000


def bench_customers(count: int = CUSTOMERS, seed: int = SEED) -> list[dict]:
    """The bench's customers with one site each (created when missing), as dicts of what
    an invoice copies of them."""
    from bench.generate import bench_users

    _director, reps = bench_users()
    have = Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).count()
    rng = random.Random(f"{seed}:customers")
    if have < count:
        new = []
        for n in range(have + 1, count + 1):
            business = rng.random() < 0.4
            name = f"{'Société' if business else 'Client'} de facturation {n:05d}"
            new.append(
                Customer(
                    code=f"{CUSTOMER_PREFIX}{n:05d}", name=name, name_key=name.lower(),
                    kind=Customer.Kind.BUSINESS if business else Customer.Kind.INDIVIDUAL,
                    street=f"{n} avenue des Factures", postcode="44000", city="Nantes",
                    sales_rep=reps[n % len(reps)], accounting_code=f"411{CUSTOMER_PREFIX}{n:05d}",
                    search_text=f"{name.lower()} {CUSTOMER_PREFIX.lower()}{n:05d} 44000 nantes",
                    siret="40483304800022" if business else "",
                )
            )  # fmt: skip
        created = Customer.objects.bulk_create(new, batch_size=5000)
        Site.objects.bulk_create(
            (
                Site(customer=customer, name="Siège", street=customer.street,
                     postcode=customer.postcode, city=customer.city)
                for customer in created
            ),
            batch_size=5000,
        )  # fmt: skip
    sites = dict(
        Site.objects.filter(customer__code__startswith=CUSTOMER_PREFIX).values_list(
            "customer_id", "id"
        )
    )
    return [
        {**row, "site_id": sites.get(row["id"])}
        for row in Customer.objects.filter(code__startswith=CUSTOMER_PREFIX)
        .order_by("id")
        .values("id", "code", "name", "kind", "street", "postcode", "city", "siret")
    ]


def invoicing_reset() -> None:
    """No invoice, no journal, the numbering counters at zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE billing_journalentry, billing_journalverification, billing_invoiceline, "
            "billing_invoice_sites, billing_billedintervention, billing_billingrunitem, "
            "billing_billingrun, billing_invoice RESTART IDENTITY CASCADE"
        )
    Counter.objects.filter(name=JOURNAL_COUNTER).delete()
    Counter.objects.filter(name__startswith="invoice-").delete()
    Counter.objects.filter(name__startswith="credit_note-").delete()


def _amounts(rng: random.Random) -> tuple[Decimal, Decimal, Decimal]:
    net = Decimal(rng.randint(4_000, 250_000)) / 100
    vat = (net * VAT / 100).quantize(CENT)
    return net, vat, net + vat


class _Plan:
    """Draws the rows one after the other, in date order, with what numbering needs."""

    def __init__(self, total: int, customers: list[dict], today: date, seed: int) -> None:
        self.rng = random.Random(f"{seed}:invoices")
        self.total, self.customers, self.today = total, customers, today
        self.first_day = today - timedelta(days=365 * YEARS)
        self.span = (today - self.first_day).days - 1  # up to yesterday
        self.counters: dict[str, int] = {}
        self.recent: deque[dict] = deque(maxlen=4000)  # invoices a credit note may credit
        self.cancelled: list[int] = []
        self.now = timezone.now()

    def row(self, index: int) -> dict:
        rng = self.rng
        day = self.first_day + timedelta(days=index * self.span // self.total)
        target = None
        if self.recent and rng.random() < CREDIT_NOTE_SHARE:
            target = self.recent[rng.randrange(len(self.recent))]
        if target is not None and target["status"] != "cancelled":
            kind, customer = "credit_note", target["customer"]
            net, vat, gross = target["total_net"], target["total_vat"], target["total_gross"]
            target["status"] = "cancelled"
            self.cancelled.append(target["id"])
        else:
            kind, customer, target = "invoice", rng.choice(self.customers), None
            net, vat, gross = _amounts(rng)
        series = f"{kind}-{day.year}"
        self.counters[series] = self.counters.get(series, 0) + 1
        prefix = "F" if kind == "invoice" else "A"
        return self._fill(index, day, kind, customer, target, (net, vat, gross),
                          f"{prefix}-{day.year}-{self.counters[series]:05d}")  # fmt: skip

    def _fill(self, index, day, kind, customer, target, amounts, number) -> dict:
        net, vat, gross = amounts
        age = (self.today - day).days
        status, due = "issued", gross
        if kind == "credit_note":
            due = Decimal("0.00")
        elif self.rng.random() < (0.85 if age > 60 else 0.15):
            status, due = "paid", Decimal("0.00")
        elif age > 60 and self.rng.random() < 0.3:
            status, due = "partially_paid", (gross / 2).quantize(CENT)
        business = customer["kind"] == Customer.Kind.BUSINESS
        issued_at = datetime.combine(day, datetime.min.time(), tzinfo=self.now.tzinfo)
        period_end = day.replace(day=1) - timedelta(days=1)
        row = {
            "id": index + 1, "kind": kind, "status": status, "number": number,
            "customer": customer, "customer_id": customer["id"], "billing_group": "A",
            "credited_invoice_id": target["id"] if target else None, "issue_date": day,
            "due_date": day if kind == "credit_note" else day + timedelta(days=30),
            "period_start": period_end.replace(day=1), "period_end": period_end, "notes": "",
            "customer_name": customer["name"], "customer_code": customer["code"],
            "customer_kind": customer["kind"],
            "billing_address": f"{customer['street']}\n{customer['postcode']} {customer['city']}",
            "customer_siren": customer["siret"][:9] if business else "",
            "customer_vat_number": "", "payment_terms_days": 30,
            "late_penalty_rate": Decimal("10.00"), "total_net": net, "total_vat": vat,
            "total_gross": gross, "amount_due": due, "pdf": "", "needs_posting": False,
            "debit_mandate_rum": "", "created_at": issued_at, "updated_at": issued_at,
            "issued_at": issued_at,
        }  # fmt: skip
        row["site_addresses"] = json.dumps(
            [{"id": customer["site_id"], "name": "Siège", "address": row["billing_address"]}]
        )
        row["vat_breakdown"] = json.dumps(
            [{"rate": "20.00", "exemption": "", "base": f"{net:.2f}", "vat": f"{vat:.2f}"}]
        )
        if kind == "invoice":
            self.recent.append(row)
        return row


def invoicing_generate(
    total: int, *, log: Callable[..., None] = print, seed: int = SEED
) -> dict[str, int]:
    """Replace every invoice by `total` generated ones (with lines and journal); returns
    the counters' last values."""
    started = time.perf_counter()
    default_vat_rates_ensure(VatRate)
    rate_id = VatRate.objects.filter(rate=VAT).order_by("position", "id").first().pk
    customers = bench_customers(seed=seed)
    plan = _Plan(total, customers, timezone.localdate(), seed)
    with transaction.atomic():
        invoicing_reset()
        raw = connection.connection  # psycopg's own connection, for COPY
        with raw.cursor() as cursor:
            _copy_all(cursor, plan, rate_id, log)
            log(f"  états des factures annulées par avoir ({len(plan.cancelled)})…")
            cursor.execute(
                "UPDATE billing_invoice SET status = 'cancelled', amount_due = 0 "
                "WHERE id = ANY(%s)",
                [plan.cancelled],
            )
            for table in ("billing_invoice", "billing_invoiceline", "billing_journalentry"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        counters = {**plan.counters, JOURNAL_COUNTER: total}
        for name, value in counters.items():
            Counter.objects.update_or_create(name=name, defaults={"value": value})
    with connection.cursor() as cursor:
        for model in (Invoice, InvoiceLine, JournalEntry, Customer):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    log(f"  {total} factures générées en {time.perf_counter() - started:.0f} s")
    return counters


def _copy_all(cursor, plan: _Plan, rate_id: int, log: Callable[..., None]) -> None:
    """Stream the invoices, then their lines and journal entries, through COPY. Each row is
    drawn once; lines and entries are written from a second pass over compact tuples."""
    lines, entries = [], []
    previous_hash = GENESIS_HASH
    columns = ", ".join(INVOICE_COLUMNS)
    with cursor.copy(f"COPY billing_invoice ({columns}) FROM STDIN") as copy:
        for index in range(plan.total):
            row = plan.row(index)
            copy.write_row([row[name] for name in INVOICE_COLUMNS])
            lines.append((row["id"], row["customer"]["site_id"], row["total_net"]))
            figures = invoice_figures_of({**row, "pk": row["id"]})
            sequence = index + 1
            digest = entry_hash(
                sequence=sequence, kind=row["kind"], figures=figures, previous_hash=previous_hash
            )
            entries.append((sequence, row["kind"], row["id"], json.dumps(figures),
                            previous_hash, digest, row["issued_at"]))  # fmt: skip
            previous_hash = digest
            if (index + 1) % 100_000 == 0:
                log(f"  {index + 1:>9} factures…")
    log("  lignes…")
    columns = ", ".join(LINE_COLUMNS)
    with cursor.copy(f"COPY billing_invoiceline ({columns}) FROM STDIN") as copy:
        for invoice_id, site_id, net in lines:
            copy.write_row([invoice_id, 0, "free", site_id, "Prestations du mois", 1, "",
                            net, rate_id, VAT, "", 0, net])  # fmt: skip
    del lines
    log("  journal…")
    columns = ", ".join(JOURNAL_COLUMNS)
    with cursor.copy(f"COPY billing_journalentry ({columns}) FROM STDIN") as copy:
        for entry in entries:
            copy.write_row(entry)
