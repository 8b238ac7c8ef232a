"""The lettering (lettrage) of the customers' account in the FEC: which 411 lines settle
each other.

A group is the invoices, credit notes, payments, reversals and refunds of one fiscal year
that are linked: a payment to the invoices its allocations settle (the allocations of a
payment reversed within the year do not count: the payment and its reversal form their own
group), a credit note to the invoice it corrects, a reversal to the payment it cancels, a
refund to the payment whose credit it pays back. When the group's 411 lines balance
(debits = credits), every one of them gets the group's code (AA, AB, … ZZ, AAA…) and, as
DateLet, the latest date in the group; otherwise none does. Documents of another year are
not in the file, and so not in its groups.

Kept compact for a large year: one slot per document in typed arrays (8 bytes each), ids
found back by bisection, so that a million FEC lines need some 20 MB here, not a dict per
document.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from datetime import date

from django.db.models import Q

from creneau.accounting.streaming import query_rows
from creneau.billing.models import Invoice
from creneau.payments.models import Payment, PaymentAllocation, Refund

CHUNK = 5000


ALPHABET = [chr(65 + index) for index in range(26)]
TWO_LETTERS = [first + second for first in ALPHABET for second in ALPHABET]
THREE_LETTERS = [first + pair for first in ALPHABET for pair in TWO_LETTERS]  # 17,576


def letter_code(number: int) -> str:
    """0 -> AA, 1 -> AB, 675 -> ZZ, 676 -> AAA: two letters at least."""
    if number < 676:
        return TWO_LETTERS[number]
    if number < 676 + 17_576:
        return THREE_LETTERS[number - 676]
    if number < 676 + 17_576 + 456_976:  # four letters: two pairs
        high, low = divmod(number - 676 - 17_576, 676)
        return TWO_LETTERS[high] + TWO_LETTERS[low]
    length, block = 2, 26 * 26
    while number >= block:
        number -= block
        length += 1
        block *= 26
    letters = []
    for _ in range(length):
        number, rest = divmod(number, 26)
        letters.append(chr(65 + rest))
    return "".join(reversed(letters))


class Lettering:
    """The lettering of one fiscal year's 411 lines: code and date of each document."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.invoice_ids = array("q")
        self.payment_ids = array("q")
        self.refund_ids = array("q")
        self.parent = array("q")
        self.cents = array("q")  # the 411 debit minus credit, in cents
        self.days = array("l")  # the date's ordinal
        self.code = array("l")  # the group's code number, -1 when not lettered
        self.day_texts: dict[int, str] = {}
        self._build()

    # Reading -----------------------------------------------------------------------------

    def _slot(self, ids: array, offset: int, key: int) -> int:
        index = bisect_left(ids, key)
        if index < len(ids) and ids[index] == key:
            return offset + index
        return -1

    def invoice(self, invoice_id: int) -> tuple[str, date | None]:
        return self._letter(self._slot(self.invoice_ids, 0, invoice_id))

    def payment(self, payment_id: int) -> tuple[str, date | None]:
        return self._letter(self._slot(self.payment_ids, len(self.invoice_ids), payment_id))

    def refund(self, refund_id: int) -> tuple[str, date | None]:
        offset = len(self.invoice_ids) + len(self.payment_ids)
        return self._letter(self._slot(self.refund_ids, offset, refund_id))

    def invoice_cells(self, invoice_id: int) -> str:
        """The EcritureLet and DateLet cells ("AB\t20250131", or "\t"), for the FEC."""
        return self._cells(self._slot(self.invoice_ids, 0, invoice_id))

    def payment_cells(self, payment_id: int) -> str:
        return self._cells(self._slot(self.payment_ids, len(self.invoice_ids), payment_id))

    def refund_cells(self, refund_id: int) -> str:
        offset = len(self.invoice_ids) + len(self.payment_ids)
        return self._cells(self._slot(self.refund_ids, offset, refund_id))

    def _cells(self, slot: int) -> str:
        if slot < 0:
            return "\t"
        root = self.parent[slot]
        number = self.code[root]
        if number < 0:
            return "\t"
        ordinal = self.days[root]
        day = self.day_texts.get(ordinal)  # a year's days at most
        if day is None:
            day = self.day_texts[ordinal] = f"{date.fromordinal(ordinal):%Y%m%d}"
        return f"{letter_code(number)}\t{day}"

    def _letter(self, slot: int) -> tuple[str, date | None]:
        if slot < 0:
            return "", None
        root = self.parent[slot]  # compressed by _codes: the root itself
        number = self.code[root]
        if number < 0:
            return "", None
        return letter_code(number), date.fromordinal(self.days[root])

    # Building ----------------------------------------------------------------------------

    def _add(self, ids: array, rows) -> None:
        for pk, cents, day in rows:
            ids.append(pk)
            self.parent.append(len(self.parent))
            self.cents.append(cents)
            self.days.append(day.toordinal())

    def _find(self, slot: int) -> int:
        parent = self.parent
        root = slot
        while parent[root] != root:
            root = parent[root]
        while parent[slot] != root:
            parent[slot], slot = root, parent[slot]
        return root

    def _union(self, first: int, second: int) -> None:
        if first < 0 or second < 0:
            return
        first, second = self._find(first), self._find(second)
        if first != second:
            first, second = min(first, second), max(first, second)
            self.parent[second] = first

    def _build(self) -> None:
        in_year = {"date__gte": self.start, "date__lte": self.end}
        credits: list[tuple[int, int]] = []
        invoices = (
            Invoice.objects.filter(issue_date__gte=self.start, issue_date__lte=self.end)
            .exclude(status=Invoice.Status.DRAFT)
            .order_by("id")
            .values_list("id", "kind", "total_gross", "issue_date", "credited_invoice_id")
        )

        def invoice_rows():
            for pk, kind, gross, day, credited_id in query_rows(invoices, CHUNK):
                cents = int(gross * 100)
                if kind == Invoice.Kind.CREDIT_NOTE:
                    cents = -cents
                    credits.append((pk, credited_id))
                yield pk, cents, day

        self._add(self.invoice_ids, invoice_rows())
        reversals: list[tuple[int, int]] = []
        payments = (
            Payment.objects.filter(**in_year)
            .order_by("id")
            .values_list("id", "amount", "date", "reversal_of_id")
        )

        def payment_rows():
            for pk, amount, day, reversed_id in query_rows(payments, CHUNK):
                cents = int(amount * 100)
                if reversed_id is not None:
                    reversals.append((pk, reversed_id))
                    yield pk, cents, day
                else:
                    yield pk, -cents, day

        self._add(self.payment_ids, payment_rows())
        refunds = (
            Refund.objects.filter(**in_year)
            .order_by("id")
            .values_list("id", "amount", "date", "payment_id")
        )
        refund_links: list[tuple[int, int]] = []

        def refund_rows():
            for pk, amount, day, payment_id in query_rows(refunds, CHUNK):
                refund_links.append((pk, payment_id))
                yield pk, int(amount * 100), day

        self._add(self.refund_ids, refund_rows())
        self._link(credits, reversals, refund_links)
        self._codes()

    def _link(self, credits, reversals, refund_links) -> None:
        payments_at = len(self.invoice_ids)
        refunds_at = payments_at + len(self.payment_ids)
        for credit_note_id, invoice_id in credits:
            self._union(
                self._slot(self.invoice_ids, 0, credit_note_id),
                self._slot(self.invoice_ids, 0, invoice_id),
            )
        for reversal_id, payment_id in reversals:
            self._union(
                self._slot(self.payment_ids, payments_at, reversal_id),
                self._slot(self.payment_ids, payments_at, payment_id),
            )
        for refund_id, payment_id in refund_links:
            self._union(
                self._slot(self.refund_ids, refunds_at, refund_id),
                self._slot(self.payment_ids, payments_at, payment_id),
            )
        allocations = (
            PaymentAllocation.objects.filter(
                payment__date__gte=self.start,
                payment__date__lte=self.end,
                invoice__issue_date__gte=self.start,
                invoice__issue_date__lte=self.end,
            )
            .exclude(Q(payment__reversal__isnull=False) & Q(payment__reversal__date__lte=self.end))
            .order_by()  # in any order: not the model's, whose sort cost PostgreSQL 1.5 s
            .values_list("payment_id", "invoice_id")
        )
        for payment_id, invoice_id in query_rows(allocations, CHUNK):
            self._union(
                self._slot(self.payment_ids, payments_at, payment_id),
                self._slot(self.invoice_ids, 0, invoice_id),
            )

    def _codes(self) -> None:
        """Sum each group at its root; number the balanced groups of two documents or
        more in the order of their first document."""
        size = len(self.parent)
        totals = array("q", bytes(8 * size))
        members = array("q", bytes(8 * size))
        latest = array("l", bytes(self.days.itemsize * size))
        parent, find = self.parent, self._find
        for slot in range(size):
            root = find(slot)
            parent[slot] = root  # every slot points at its root from now on
            totals[root] += self.cents[slot]
            members[root] += 1
            if self.days[slot] > latest[root]:
                latest[root] = self.days[slot]
        self.code = array("l", [-1]) * size
        number = 0
        for slot in range(size):
            if self.parent[slot] == slot and members[slot] > 1 and totals[slot] == 0:
                self.code[slot] = number
                self.days[slot] = latest[slot]
                number += 1
        self.groups = number
