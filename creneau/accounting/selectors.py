"""Reads of accounting: the fiscal years, the one a FEC is asked for, and export periods.
Accounting data is company-wide (direction and accounting see all of it: rules.py)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from creneau.accounting.models import FiscalYear

MIN_YEAR, MAX_YEAR = 2000, 2099
# An export covers two years at most (731 days: two years with a 29 February).
MAX_EXPORT_DAYS = 731


def fiscal_years() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.select_related("closed_by").order_by("-end_date")


def fiscal_year_for(year: int) -> FiscalYear:
    """The fiscal year that closes in `year`, or a French error (422 in the API)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("Année hors limites : de %(min)s à %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            }
        )
    found = FiscalYear.objects.filter(end_date__year=year).order_by("-end_date").first()
    if found is None:
        raise ValidationError(
            {
                "year": _(
                    "Aucun exercice ne se clôt en %(year)s : fixez sa date de clôture dans "
                    "Paramètres › Comptabilité."  # noqa: RUF001
                )
                % {"year": year}
            }
        )
    return found


def export_period_check(start: date | None, end: date | None) -> tuple[date, date]:
    """A period of two years at most, start before end, or a French error by field."""
    if start is None:
        raise ValidationError({"start": _("Indiquez le début de la période.")})
    if end is None:
        raise ValidationError({"end": _("Indiquez la fin de la période.")})
    for name, day in (("start", start), ("end", end)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationError({name: _("Une date va de 2000 à 2099.")})
    if end < start:
        raise ValidationError({"end": _("La fin de la période ne peut précéder son début.")})
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise ValidationError(
            {"end": _("Une exportation couvre deux ans au plus : réduisez la période.")}
        )
    return start, end
