"""A checker of FEC files (LPF art. A47 A-1), used by the tests on every FEC they make:
the header and the 18 columns, the formats of dates and amounts, each entry balanced, each
journal balanced, entries numbered continuously per journal in date order, and each
lettering code balanced. Returns what it read, for the tests' own totals."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from creneau.accounting.fec import FEC_COLUMNS, FEC_ENCODING

AMOUNT = re.compile(r"^\d+,\d{2}$")
DAY = re.compile(r"^\d{8}$")
ZERO = Decimal("0.00")


def _amount(text: str) -> Decimal:
    assert AMOUNT.match(text), f"amount {text!r}"
    return Decimal(text.replace(",", "."))


def _day(text: str) -> str:
    assert DAY.match(text), f"date {text!r}"
    date(int(text[:4]), int(text[4:6]), int(text[6:]))  # a real date
    return text


@dataclass
class FecLine:
    journal: str
    number: str
    day: str
    account: str
    aux: str
    piece: str
    label: str
    debit: Decimal
    credit: Decimal
    letter: str
    letter_day: str


@dataclass
class FecFile:
    lines: list[FecLine] = field(default_factory=list)

    def account_balance(self, prefix: str, journal: str | None = None) -> Decimal:
        """Debit minus credit of the accounts that start with `prefix`."""
        return sum(
            (
                line.debit - line.credit
                for line in self.lines
                if line.account.startswith(prefix) and journal in (None, line.journal)
            ),
            ZERO,
        )

    def by_piece(self, piece: str) -> list[FecLine]:
        return [line for line in self.lines if line.piece == piece]


def fec_check(content: bytes) -> FecFile:
    text = content.decode(FEC_ENCODING)
    assert text.endswith("\r\n")
    rows = text[:-2].split("\r\n")
    assert rows[0].split("\t") == list(FEC_COLUMNS)
    parsed = FecFile()
    entries: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    journals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    order: dict[str, list[tuple[str, str]]] = defaultdict(list)
    letters: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows[1:]:
        cells = row.split("\t")
        assert len(cells) == 18, row
        journal, _journal_label, number, day = cells[:4]
        assert journal and number and cells[4] and cells[5] and cells[8] and cells[10]
        line = FecLine(
            journal=journal,
            number=number,
            day=_day(day),
            account=cells[4],
            aux=cells[6],
            piece=cells[8],
            label=cells[10],
            debit=_amount(cells[11]),
            credit=_amount(cells[12]),
            letter=cells[13],
            letter_day=cells[14],
        )
        assert (line.debit == 0) != (line.credit == 0) or line.debit == line.credit == 0
        _day(cells[9])
        _day(cells[15])
        assert cells[16] == cells[17] == ""
        if line.letter:
            _day(line.letter_day)
            assert line.account == parsed_customers_account(parsed, line)
            letters[line.letter] += line.debit - line.credit
        else:
            assert line.letter_day == ""
        entries[(journal, number)] += line.debit - line.credit
        journals[journal] += line.debit - line.credit
        if not order[journal] or order[journal][-1][0] != number:
            order[journal].append((number, day))
        parsed.lines.append(line)
    assert all(total == 0 for total in entries.values()), "an entry is not balanced"
    assert all(total == 0 for total in journals.values()), "a journal is not balanced"
    assert all(total == 0 for total in letters.values()), "a lettering code is not balanced"
    for journal, numbers in order.items():
        expected = [f"{journal}{index:06d}" for index in range(1, len(numbers) + 1)]
        assert [number for number, _day in numbers] == expected, "numbering has a gap"
        days = [day for _number, day in numbers]
        assert days == sorted(days), "entries are not in date order"
    return parsed


def parsed_customers_account(parsed: FecFile, line: FecLine) -> str:
    """Lettered lines are on the customers' account: the one with an auxiliary account."""
    assert line.aux, "a lettered line has an auxiliary account"
    return line.account
