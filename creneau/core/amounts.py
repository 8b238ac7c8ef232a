"""Document amounts, the EN 16931 way: one pure module for quotes, invoices and credit notes.

- line net = round(quantity * unit price * (1 - discount / 100), 2);
- per VAT rate: base = sum of the line nets at that rate, VAT = round(base * rate / 100, 2);
- total net = sum of the bases, total VAT = sum of the VATs, gross = net + VAT.

VAT is never computed line by line: four lines of 1 * 0.13 € at 20 % give a VAT of 0.10
(on the base 0.52), not 4 * 0.03 = 0.12. Rounding is half-up to the cent, by money_round,
so that the screen, the API, the PDF and (later) Factur-X and the FEC agree to the cent.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from creneau.core.money import money_round

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def line_net(
    *, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = ZERO
) -> Decimal:
    """The net amount (HT) of one line, rounded to the cent."""
    factor = (HUNDRED - Decimal(discount_percent)) / HUNDRED
    return money_round(Decimal(quantity) * Decimal(unit_price) * factor)


def vat_of(*, base: Decimal, rate: Decimal) -> Decimal:
    """The VAT of a base at a rate given in percent (20 for 20 %), rounded to the cent."""
    return money_round(Decimal(base) * Decimal(rate) / HUNDRED)


@dataclass(frozen=True)
class AmountLine:
    """What the computation needs of a line: its net and its VAT rate (in percent).

    `vat_key` tells rates apart that share a percentage (two 0 % rates with different
    exemption wordings); it defaults to the rate itself.
    """

    net: Decimal
    rate: Decimal
    vat_key: Hashable = None

    @property
    def key(self) -> Hashable:
        return self.vat_key if self.vat_key is not None else Decimal(self.rate).normalize()


@dataclass(frozen=True)
class VatSubtotal:
    """One row of the VAT breakdown: the base at a rate and the VAT on it."""

    key: Hashable
    rate: Decimal
    base: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.base + self.vat


@dataclass(frozen=True)
class DocumentTotals:
    """The totals of a document: net (HT), VAT (TVA), gross (TTC) and the breakdown by rate."""

    breakdown: list[VatSubtotal] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return sum((row.base for row in self.breakdown), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((row.vat for row in self.breakdown), ZERO)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def document_totals(lines: Iterable[AmountLine]) -> DocumentTotals:
    """Group the lines by VAT rate and compute each rate's VAT on its base.

    The breakdown is ordered by rate, highest first, as French documents print it.
    """
    bases: dict[Hashable, Decimal] = {}
    rates: dict[Hashable, Decimal] = {}
    for line in lines:
        bases[line.key] = bases.get(line.key, ZERO) + money_round(line.net)
        rates[line.key] = Decimal(line.rate)
    breakdown = [
        VatSubtotal(key=key, rate=rates[key], base=base, vat=vat_of(base=base, rate=rates[key]))
        for key, base in bases.items()
    ]
    breakdown.sort(key=lambda row: (-row.rate, str(row.key)))
    return DocumentTotals(breakdown=breakdown)
