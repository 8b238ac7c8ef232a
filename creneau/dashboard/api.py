"""API of the dashboard: the same figures as the page. `/dashboard` for direction and
accounting (every customer), `/dashboard/sales-rep` for a sales rep (its own customers);
403 for the other roles."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from creneau.catalog.api import decimal_text
from creneau.core.schemas import InputSchema, Message, decimal_out
from creneau.dashboard.periods import periods_of
from creneau.dashboard.rules import user_sees_dashboard, user_sees_rep_dashboard
from creneau.dashboard.selectors import PERIOD_KEYS, PeriodFigures, dashboard_figures, rep_dashboard
from creneau.payments.aged import BUCKET_KEYS

router = Router(tags=["dashboard"])

Amount = decimal_out(places=2)
Hours = decimal_out(places=2, signed=False)


class HoursOut(Schema):
    planned: Hours
    done: Hours
    missed: Hours
    cancelled: Hours


class PeriodOut(Schema):
    first: date
    last: date
    revenue: Amount = Field(description="Facturé HT : factures émises moins avoirs.")
    billed_gross: Amount = Field(description="Facturé TTC : factures émises moins avoirs.")
    collected: Amount = Field(description="Encaissé : règlements moins annulations, à leur date.")
    due: Amount = Field(description="Reste dû à la date `last`, comme la balance âgée.")
    overdue: Amount = Field(description="Dont échu avant `last`.")
    customers: int = Field(description="Clients servis : une intervention réalisée.")
    sites: int
    hours: HoursOut = Field(description="Heures des interventions du mois entier, par statut.")


class PeriodsOut(Schema):
    month: PeriodOut
    year: PeriodOut
    month_last_year: PeriodOut
    year_last_year: PeriodOut


class MonthOut(Schema):
    first: date
    revenue: Amount
    billed_gross: Amount
    collected: Amount


class WeekOut(Schema):
    first: date = Field(description="Le lundi.")
    hours: HoursOut


class AgedOut(Schema):
    not_due: Amount
    days_0_30: Amount
    days_31_60: Amount
    days_61_90: Amount
    days_over_90: Amount


class DashboardOut(Schema):
    month: str = Field(description="AAAA-MM.")
    end: date = Field(description="Fin des périodes : fin du mois, ou aujourd'hui.")
    periods: PeriodsOut
    months: list[MonthOut] = Field(description="Les 13 mois jusqu'au mois demandé.")
    weeks: list[WeekOut] = Field(description="Les 13 semaines jusqu'à celle de `end`.")
    aged: AgedOut = Field(description="Balance âgée à la date `end`.")


class DashboardQuery(InputSchema):
    month: str = Field(
        "",
        max_length=7,
        description="AAAA-MM : un mois passé ou le mois en cours (par défaut).",
    )


def _money(value) -> str:
    return decimal_text(value, 2)


def _hours(hours: dict) -> dict[str, str]:
    return {status: decimal_text(value, 2) for status, value in hours.items()}


def _period(figures: PeriodFigures) -> dict:
    return {
        "first": figures.first,
        "last": figures.last,
        **{
            key: _money(getattr(figures, key))
            for key in ("revenue", "billed_gross", "collected", "due", "overdue")
        },
        "customers": figures.customers,
        "sites": figures.sites,
        "hours": _hours(figures.hours),
    }


@router.get(
    "/dashboard",
    response={200: DashboardOut, 403: Message},
    summary="Tableau de bord",
)
def dashboard(request: HttpRequest, query: Query[DashboardQuery]):
    """Le mois, l'année à date et les mêmes périodes un an avant : facturé, encaissé, reste
    dû et retard, clients et sites servis, heures ; 13 mois, 13 semaines et la balance âgée.
    Direction et comptabilité ; 403 pour les autres rôles. Un mois illisible ou à venir :
    422."""
    if not user_sees_dashboard(request.user):
        raise HttpError(403, _("Le tableau de bord est réservé à la direction et la comptabilité."))
    periods, refused = periods_of(query.month, timezone.localdate())
    if refused:
        raise ValidationError({"month": _("Un mois passé ou le mois en cours, AAAA-MM.")})
    board = dashboard_figures(user=request.user, periods=periods)
    return {
        "month": periods.first.strftime("%Y-%m"),
        "end": periods.end,
        "periods": {key: _period(board.figures[key]) for key in PERIOD_KEYS},
        "months": [
            {
                "first": month["first"],
                **{key: _money(month[key]) for key in ("revenue", "billed_gross", "collected")},
            }
            for month in board.months
        ],
        "weeks": [{"first": week["first"], "hours": _hours(week["hours"])} for week in board.weeks],
        "aged": {key: _money(board.aged[key]) for key in BUCKET_KEYS},
    }


class RepQuoteOut(Schema):
    id: int
    number: str | None
    customer_id: int
    customer_name: str
    validity_date: date
    total_net: Amount


class RepInvoiceOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    due_date: date
    amount_due: Amount


class RepDashboardOut(Schema):
    customers_count: int
    due_total: Amount = Field(description="Reste dû de ses clients aujourd'hui.")
    quotes_count: int = Field(description="Devis envoyés encore valables, à relancer.")
    quotes_total: Amount
    quotes: list[RepQuoteOut] = Field(description="Les 20 plus proches de leur fin de validité.")
    overdue_count: int
    overdue_total: Amount
    overdue: list[RepInvoiceOut] = Field(description="Les 20 plus anciennes échéances.")


@router.get(
    "/dashboard/sales-rep",
    response={200: RepDashboardOut, 403: Message},
    summary="Tableau de bord d'un commercial",
)
def dashboard_sales_rep(request: HttpRequest):
    """Les clients du commercial seulement : ses devis à relancer et ses factures en
    retard. Réservé aux commerciaux ; 403 pour les autres rôles."""
    if not user_sees_rep_dashboard(request.user):
        raise HttpError(403, _("Ce tableau de bord est celui d'un commercial."))
    rep = rep_dashboard(user=request.user)
    return {
        "customers_count": rep.customers_count,
        "due_total": _money(rep.due_total),
        "quotes_count": rep.quotes_count,
        "quotes_total": _money(rep.quotes_total),
        "quotes": [
            {
                "id": quote.pk,
                "number": quote.number,
                "customer_id": quote.customer_id,
                "customer_name": quote.customer.name,
                "validity_date": quote.validity_date,
                "total_net": _money(quote.total_net),
            }
            for quote in rep.quotes
        ],
        "overdue_count": rep.overdue_count,
        "overdue_total": _money(rep.overdue_total),
        "overdue": [
            {
                "id": invoice.pk,
                "number": invoice.number,
                "customer_id": invoice.customer_id,
                "customer_name": invoice.customer.name,
                "due_date": invoice.due_date,
                "amount_due": _money(invoice.amount_due),
            }
            for invoice in rep.overdue
        ],
    }
