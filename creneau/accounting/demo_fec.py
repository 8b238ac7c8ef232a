"""Demo accounting (creneau.core.demo.DEMO_LOADERS): last year's and this year's fiscal
years (calendar years), so that Exports offers their FEC at once. Idempotent."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from creneau.accounting.models import FiscalYear
from creneau.core.demo import DemoContext


def load_fiscal_years(*, context: DemoContext) -> str:
    year = timezone.localdate().year
    made = 0
    for each in (year - 1, year):
        if not FiscalYear.objects.filter(end_date__year=each).exists():
            FiscalYear.objects.create(start_date=date(each, 1, 1), end_date=date(each, 12, 31))
            made += 1
    return f"{made} exercice(s) comptable(s)"
