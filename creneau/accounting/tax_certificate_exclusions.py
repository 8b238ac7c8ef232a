"""Who gets no tax certificate for a year, and why: the company's missing SAP number (no
one then), the business customers who paid for home services, the individuals with home
services in the year but nothing paid in it, and the certificates that cannot go by
e-mail (no address: to print and post)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from creneau.accounting.models import TaxCertificate
from creneau.accounting.tax_certificate_sending import recipients_by_customer
from creneau.accounting.tax_certificate_services import exclusions_of
from creneau.accounting.tax_certificates import ExclusionReason, individual_ids, year_figures
from creneau.core.models import Company
from creneau.customers.models import Customer

MAX_ROWS = 500


def year_exclusions(year: int) -> list[tuple[int, str]]:
    """(customer id, reason) of the customers without a certificate for `year`."""
    figures, hours = year_figures(year)
    return exclusions_of(year, figures, hours, individual_ids(figures))


def _unreachable(year: int) -> list[int]:
    customers = list(
        Customer.objects.filter(tax_certificates__year=year).only("email").order_by("pk")
    )
    recipients = recipients_by_customer(customers)
    return [pk for pk, addresses in recipients.items() if not addresses]


def tax_certificate_exclusions(*, year: int) -> dict[str, Any]:
    """What the exclusions page shows: the counts by reason, and up to MAX_ROWS rows
    (customer, reason label) in name order."""
    company = Company.load()
    excluded = year_exclusions(year)
    excluded += [(pk, ExclusionReason.NO_EMAIL) for pk in _unreachable(year)]
    counts = dict.fromkeys(ExclusionReason.LABELS, 0)
    for _pk, reason in excluded:
        counts[reason] += 1
    ids = sorted({pk for pk, _reason in excluded})
    customers: dict[int, Customer] = {}
    for index in range(0, len(ids), 900):
        for customer in Customer.objects.filter(pk__in=ids[index : index + 900]).only(
            "name", "code", "kind"
        ):
            customers[customer.pk] = customer
    with translation.override("fr"):
        rows = sorted(
            (
                {
                    "customer": customers[pk],
                    "reason": reason,
                    "label": str(ExclusionReason.LABELS[reason]),
                }
                for pk, reason in excluded
                if pk in customers
            ),
            key=lambda row: (row["customer"].name.lower(), row["reason"]),
        )
    return {
        "sap_number_missing": not (company.sap_number or "").strip(),
        "counts": [(str(ExclusionReason.LABELS[key]), count) for key, count in counts.items()],
        "rows": rows[:MAX_ROWS],
        "total": len(rows),
        "truncated": len(rows) > MAX_ROWS,
        "certificates": TaxCertificate.objects.filter(year=year).count(),
    }
